// grafana-dashboard checks dashboard JSON files against Grafana's dashboard schema as the
// Grafana Foundation SDK types it (generated from Grafana's own schema): every field known and
// of its type, panel options and queries decoded by their panel and datasource types.
// Prints each problem and exits 1 when a file has one.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: grafana-dashboard FILE.json...")
		os.Exit(64)
	}
	plugins.RegisterDefaultPlugins()
	failed := false
	for _, file := range os.Args[1:] {
		raw, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			os.Exit(66)
		}
		var d dashboard.Dashboard
		if err := problems(d.UnmarshalJSONStrict(raw)); err != nil {
			fmt.Printf("%s: %v\n", file, err)
			failed = true
			continue
		}
		if err := problems(d.Validate()); err != nil {
			fmt.Printf("%s: %v\n", file, err)
			failed = true
			continue
		}
		fmt.Printf("%s: valid (%d panels)\n", file, len(d.Panels))
	}
	if failed {
		os.Exit(1)
	}
}

// problems is err, or nil for an empty list of them: the SDK returns an empty cog.BuildErrors as a non-nil error.
func problems(err error) error {
	var list cog.BuildErrors
	if errors.As(err, &list) && len(list) == 0 {
		return nil
	}
	return err
}
