package statespace

// CheckWithParentFile is Check with the parent links of finished levels
// written to a file in dir as soon as a shard holds flushAt of them (by
// default a shard keeps linkFlushAt links in memory first, more than the
// tests' models have).
func CheckWithParentFile[S comparable](m Model[S], opt Options, dir string, flushAt uint32) (*Result, error) {
	c, err := newChecker(m, opt)
	if err != nil {
		return nil, err
	}
	c.useLinkFile(&linkFile{dir: dir}, flushAt)
	return c.check()
}
