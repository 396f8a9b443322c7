package world

// p2pDocs explain the p2p family's properties and the kernel rule each
// comes from (PropertyDoc).
var p2pDocs = map[string]string{}
