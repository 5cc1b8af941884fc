package mlsarchive

// HistoryReadable reports, summed over every member added after the
// group's creation, the past messages (sent before it joined and not yet
// disappeared from the devices) it can read in the archive with the keys
// it received, and all such messages: what the archive buys. Plain MLS
// reads none.
func (g *Group) HistoryReadable() (readable, total int) { return g.hist.Readable() }
