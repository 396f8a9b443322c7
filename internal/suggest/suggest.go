// Package suggest finds the likely intended spelling of a misspelt name,
// for "did you mean" in error messages of the CLI, scenario files and the
// world's call syntax.
package suggest

import "fmt"

// Nearest returns the option closest to name in edit distance, if it is
// close enough to be a likely misspelling, else "".
func Nearest(name string, options []string) string {
	best, bestD := "", max(2, len(name)/3)+1
	for _, o := range options {
		if d := editDistance(name, o); d < bestD {
			best, bestD = o, d
		}
	}
	return best
}

// DidYouMean is " (did you mean X?)" when an option is close to name, else "".
func DidYouMean(name string, options []string) string {
	if n := Nearest(name, options); n != "" {
		return fmt.Sprintf(" (did you mean %q?)", n)
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
