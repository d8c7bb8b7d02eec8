package boxoffice

// Placeholder until memstore.go is written; delete this file then.

type MemoryStore struct{ Store }

func NewMemoryStore() *MemoryStore { return &MemoryStore{} }
