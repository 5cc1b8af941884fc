package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"cgkalab/models/mlsarchive"
	"cgkalab/models/pairwise"
	"cgkalab/models/senderkeys"
	"cgkalab/models/static"
)

// opSize is one row of the other protocols' size tables: the messages of
// one kind an operation sends in a group of N members, Count of them,
// Bytes in all.
type opSize struct {
	Protocol, Operation, Message string
	N, Count, Bytes              int
}

// protocolSizes lists, per protocol beside MLS, the function measuring
// its operations' exact bytes on real encodings.
var protocolSizes = []struct {
	name  string
	sizes func(suite uint16, ns []int, payload int) ([]opSize, error)
}{
	{"mls-archive", func(s uint16, ns []int, payload int) ([]opSize, error) {
		rows, err := mlsarchive.Sizes(s, ns, payload)
		var out []opSize
		for _, r := range rows {
			out = append(out, opSize{"mls-archive (beyond mls)", r.Operation, r.Message, r.N, r.Count, r.Bytes})
		}
		return out, err
	}},
	{"senderkeys", func(s uint16, ns []int, payload int) ([]opSize, error) {
		rows, err := senderkeys.Sizes(s, ns, payload)
		var out []opSize
		for _, r := range rows {
			out = append(out, opSize{"senderkeys", r.Operation, r.Message, r.N, r.Count, r.Bytes})
		}
		return out, err
	}},
	{"pairwise", func(s uint16, ns []int, payload int) ([]opSize, error) {
		rows, err := pairwise.Sizes(s, ns, payload)
		var out []opSize
		for _, r := range rows {
			out = append(out, opSize{"pairwise", r.Operation, r.Message, r.N, r.Count, r.Bytes})
		}
		return out, err
	}},
	{"static", func(s uint16, ns []int, payload int) ([]opSize, error) {
		rows, err := static.Sizes(s, ns, payload)
		var out []opSize
		for _, r := range rows {
			out = append(out, opSize{"static", r.Operation, r.Message, r.N, r.Count, r.Bytes})
		}
		return out, err
	}},
}

// writeProtocolSizes prints the exact bytes of each operation of the
// protocols named (all: every one) in suite s at the group sizes ns.
func writeProtocolSizes(names string, s uint16, ns []int, payload int, format string, stdout, stderr io.Writer) error {
	var rows []opSize
	for _, p := range protocolSizes {
		if names != "all" && !strings.Contains(","+names+",", ","+p.name+",") {
			continue
		}
		fmt.Fprintf(stderr, "sizes: %s\n", p.name)
		r, err := p.sizes(s, ns, payload)
		if err != nil {
			return fmt.Errorf("sizes: %s: %w", p.name, err)
		}
		rows = append(rows, r...)
	}
	if len(rows) == 0 {
		return usageError{fmt.Sprintf("sizes: --protocols %q names none of %s", names, protocolSizeNames())}
	}
	if format == "csv" {
		cw := csv.NewWriter(stdout)
		cw.Write([]string{"protocol", "operation", "message", "n", "count", "bytes"})
		for _, r := range rows {
			cw.Write([]string{r.Protocol, r.Operation, r.Message, strconv.Itoa(r.N), strconv.Itoa(r.Count), strconv.Itoa(r.Bytes)})
		}
		cw.Flush()
		return cw.Error()
	}
	fmt.Fprintf(stdout, "Exact bytes of each operation, suite %#04x, %d-byte application payloads; n is the group size before the operation.\n", s, payload)
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "protocol\toperation\tmessage\tn\tmessages\tbytes\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t\n", r.Protocol, r.Operation, r.Message, r.N, r.Count, r.Bytes)
	}
	return tw.Flush()
}

func protocolSizeNames() string {
	var names []string
	for _, p := range protocolSizes {
		names = append(names, p.name)
	}
	return strings.Join(names, ", ")
}
