// Command health computes the health the GitOps tools would show for Kubernetes objects,
// with the tools' own code, so the tests can check our resources against them offline:
//
//	health argocd SCRIPT OBJECT.yaml...   Argo CD: runs a resource customization's health.lua
//	                                      in gopher-lua (Argo CD's interpreter), prints one JSON line
//	                                      {"status":..., "message":...} per object
//	health argocd-test DIR                runs DIR/health_test.yaml (Argo CD's layout) against
//	                                      DIR/health.lua; exit 1 on any mismatch
//	health kstatus OBJECT.yaml...         Flux: kstatus (sigs.k8s.io/cli-utils) status of each
//	                                      object, one JSON line {"status":..., "message":...}
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"
)

type health struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

func main() {
	if len(os.Args) < 3 {
		fail("usage: health argocd SCRIPT OBJECT... | health argocd-test DIR | health kstatus OBJECT...")
	}
	switch os.Args[1] {
	case "argocd":
		script := read(os.Args[2])
		for _, path := range os.Args[3:] {
			h, err := argocdHealth(script, readObject(path))
			if err != nil {
				fail(fmt.Sprintf("%s: %v", path, err))
			}
			emit(h)
		}
	case "argocd-test":
		os.Exit(argocdTest(os.Args[2]))
	case "kstatus":
		for _, path := range os.Args[2:] {
			// Through JSON as the API machinery decodes objects: integers stay int64, as kstatus expects.
			j, err := yaml.YAMLToJSON([]byte(read(path)))
			if err != nil {
				fail(fmt.Sprintf("%s: %v", path, err))
			}
			u := &unstructured.Unstructured{}
			if err := u.UnmarshalJSON(j); err != nil {
				fail(fmt.Sprintf("%s: %v", path, err))
			}
			r, err := status.Compute(u)
			if err != nil {
				fail(fmt.Sprintf("%s: %v", path, err))
			}
			emit(health{Status: r.Status.String(), Message: r.Message})
		}
	default:
		fail("unknown mode " + os.Args[1])
	}
}

// argocdHealth runs the script the way Argo CD runs health checks: gopher-lua, the object as
// the global obj, the base, package, table, string and math libraries (no os or io), and the
// returned table read as status and message, which must be one of Argo CD's health statuses.
func argocdHealth(script string, obj map[string]interface{}) (health, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}} {
		l.Push(l.NewFunction(lib.open))
		l.Push(lua.LString(lib.name))
		l.Call(1, 0)
	}
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return health{}, err
	}
	ret, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return health{}, fmt.Errorf("the script returned %s, not a table", l.Get(-1).Type())
	}
	h := health{Status: lua.LVAsString(ret.RawGetString("status")), Message: lua.LVAsString(ret.RawGetString("message"))}
	switch h.Status {
	case "Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown":
	default:
		return h, fmt.Errorf("status %q is not one of Argo CD's health statuses", h.Status)
	}
	return h, nil
}

func toLua(l *lua.LState, v interface{}) lua.LValue {
	switch x := v.(type) {
	case map[string]interface{}:
		t := l.NewTable()
		for k, e := range x {
			t.RawSetString(k, toLua(l, e))
		}
		return t
	case []interface{}:
		t := l.NewTable()
		for _, e := range x {
			t.Append(toLua(l, e))
		}
		return t
	case string:
		return lua.LString(x)
	case bool:
		return lua.LBool(x)
	case float64:
		return lua.LNumber(x)
	case int64:
		return lua.LNumber(x)
	case nil:
		return lua.LNil
	}
	return lua.LString(fmt.Sprint(v))
}

// argocdTest checks health_test.yaml as Argo CD's own test does (util/lua/lua_test.go).
func argocdTest(dir string) int {
	var spec struct {
		Tests []struct {
			HealthStatus health `json:"healthStatus"`
			InputPath    string `json:"inputPath"`
		} `json:"tests"`
	}
	if err := yaml.Unmarshal([]byte(read(filepath.Join(dir, "health_test.yaml"))), &spec); err != nil {
		fail(err.Error())
	}
	if len(spec.Tests) == 0 {
		fail(dir + "/health_test.yaml has no tests")
	}
	script := read(filepath.Join(dir, "health.lua"))
	failed := 0
	for _, t := range spec.Tests {
		got, err := argocdHealth(script, readObject(filepath.Join(dir, t.InputPath)))
		if err != nil || got != t.HealthStatus {
			failed++
			fmt.Printf("FAIL %s: want %+v, got %+v %v\n", t.InputPath, t.HealthStatus, got, err)
			continue
		}
		fmt.Printf("ok   %s: %s\n", t.InputPath, got.Status)
	}
	fmt.Printf("%d passed, %d failed\n", len(spec.Tests)-failed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

func readObject(path string) map[string]interface{} {
	var obj map[string]interface{}
	if err := yaml.Unmarshal([]byte(read(path)), &obj); err != nil {
		fail(fmt.Sprintf("%s: %v", path, err))
	}
	return obj
}

func read(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		fail(err.Error())
	}
	return string(b)
}

func emit(h health) {
	b, _ := json.Marshal(h)
	fmt.Println(string(b))
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "health: "+msg)
	os.Exit(2)
}
