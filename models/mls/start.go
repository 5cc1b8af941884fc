package mls

import (
	"errors"

	"cgkalab/models/extension"
)

// SetStartExtensions gives a group that StartGroup (or AsMember) made its
// GroupContext extensions, before any message: NewGroup takes them as an
// argument (RFC 9420, Section 11), and epoch 0's secrets are drawn at
// random, independent of the GroupContext, so the result is the group
// StartGroup would have made with them. Members' own copies (AsMember)
// each need the call.
func (g *Group) SetStartExtensions(exts []extension.Extension) error {
	if g.cur.gc.Epoch != 0 || len(g.proposals) > 0 || g.staged != nil {
		return errors.New("GroupContext extensions can be set only at the start of epoch 0")
	}
	if err := checkExtensions(exts); err != nil {
		return err
	}
	g.cur.gc.Extensions = exts
	g.cur.gcBytes = g.cur.gc.Bytes()
	return nil
}
