package world

// vmDocs explain the vm family's properties and the kernel rule each
// comes from (PropertyDoc).
var vmDocs = map[string]string{}
