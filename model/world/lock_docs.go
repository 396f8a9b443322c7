package world

// lockDocs explain the lock family's properties and the kernel rule each
// comes from (PropertyDoc).
var lockDocs = map[string]string{}
