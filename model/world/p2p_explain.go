package world

func (c *core) p2pExplain(t *trail, property string) (string, bool) { return "", false }
