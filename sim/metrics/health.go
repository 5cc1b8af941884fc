package metrics

// Health is one sample of a ratchet tree's shape over time.
type Health struct {
	Time           float64 // virtual seconds
	Epoch          uint64
	Members        int
	Leaves         int
	BlankParents   int
	UnmergedLeaves int
	MeanResolution float64 // mean copath resolution size along sampled members' paths
}
