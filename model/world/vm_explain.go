package world

func (c *core) vmExplain(t *trail, property string) (string, bool) { return "", false }
