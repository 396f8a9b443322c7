package world

// fenceDocs explain the fence family's properties and the kernel rule each
// comes from (PropertyDoc).
var fenceDocs = map[string]string{}
