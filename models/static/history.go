package static

// HistoryReadable reports, summed over every member added after the
// group's creation, the past messages (sent before it joined and not yet
// disappeared) it could read with the keys it received, and all such
// messages. A joiner receives the current group key only.
func (g *Group) HistoryReadable() (readable, total int) { return g.hist.Readable() }
