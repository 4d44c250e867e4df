package conformance_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var variable = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// substitute replaces ${name} in every string of tree; a string that is exactly "${name}"
// becomes the saved value with its JSON type.
func substitute(tree any, vars map[string]any) (any, error) {
	switch node := tree.(type) {
	case string:
		if whole := variable.FindStringSubmatch(node); whole != nil && whole[0] == node {
			value, ok := vars[whole[1]]
			if !ok {
				return nil, fmt.Errorf("${%s} was never saved", whole[1])
			}
			return value, nil
		}
		var missing error
		replaced := variable.ReplaceAllStringFunc(node, func(ref string) string {
			name := ref[2 : len(ref)-1]
			value, ok := vars[name]
			if !ok {
				missing = fmt.Errorf("${%s} was never saved", name)
			}
			return fmt.Sprint(value)
		})
		return replaced, missing
	case map[string]any:
		out := make(map[string]any, len(node))
		for key, value := range node {
			substituted, err := substitute(value, vars)
			if err != nil {
				return nil, err
			}
			out[key] = substituted
		}
		return out, nil
	case []any:
		out := make([]any, len(node))
		for i, value := range node {
			substituted, err := substitute(value, vars)
			if err != nil {
				return nil, err
			}
			out[i] = substituted
		}
		return out, nil
	}
	return tree, nil
}

// lookup follows a dotted path (object keys and array indexes) into a JSON value.
func lookup(value any, path string) (any, bool) {
	for _, part := range strings.Split(path, ".") {
		switch node := value.(type) {
		case map[string]any:
			value = node[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			value = node[i]
		default:
			return nil, false
		}
	}
	return value, value != nil
}

// match checks got against want: objects by the keys want names, arrays by length and in
// order, "*" as any present value, {"$len": N} as an array's length, scalars by value with an
// int64 string equal to its number. proto3 JSON omits default values, so an absent value
// matches false, 0 and "".
func match(path string, want, got any) error {
	switch expected := want.(type) {
	case string:
		if expected == "*" {
			if got == nil {
				return fmt.Errorf("%s: missing, want a value", path)
			}
			return nil
		}
	case map[string]any:
		if n, ok := expected["$len"]; ok && len(expected) == 1 {
			items, _ := got.([]any)
			if !sameScalar(n, float64(len(items))) {
				return fmt.Errorf("%s: %d items, want %v", path, len(items), n)
			}
			return nil
		}
		actual, ok := got.(map[string]any)
		if !ok && got != nil {
			return fmt.Errorf("%s: %s, want an object", path, compact(got))
		}
		for key, value := range expected {
			if err := match(path+"."+key, value, actual[key]); err != nil {
				return err
			}
		}
		return nil
	case []any:
		actual, ok := got.([]any)
		if !ok && got != nil {
			return fmt.Errorf("%s: %s, want an array", path, compact(got))
		}
		if len(actual) != len(expected) {
			return fmt.Errorf("%s: %d items, want %d", path, len(actual), len(expected))
		}
		for i := range expected {
			if err := match(fmt.Sprintf("%s.%d", path, i), expected[i], actual[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if got == nil && isDefault(want) || sameScalar(want, got) {
		return nil
	}
	return fmt.Errorf("%s: %s, want %s", path, compact(got), compact(want))
}

func isDefault(value any) bool {
	switch v := value.(type) {
	case nil:
		return true
	case bool:
		return !v
	case float64:
		return v == 0
	case string:
		return v == "" || v == "0"
	}
	return false
}

func sameScalar(a, b any) bool {
	if a == b {
		return true
	}
	x, okA := number(a)
	y, okB := number(b)
	return okA && okB && x == y
}

func number(value any) (float64, bool) {
	switch v := value.(type) {
	case float64:
		return v, true
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}

func TestMatchFollowsTheScenarioRules(t *testing.T) {
	got := map[string]any{
		"seq":   "5",
		"ok":    true,
		"items": []any{map[string]any{"id": "a", "n": 1.0}, map[string]any{"id": "b"}},
	}
	passing := []string{
		`{"seq": 5}`, `{"seq": "5"}`, `{"seq": "*"}`, `{"ok": true, "continued": false, "count": 0}`,
		`{"items": [{"id": "a"}, {"id": "b"}]}`, `{"items": {"$len": 2}}`, `{"missing": []}`,
	}
	failing := []string{
		`{"seq": 6}`, `{"absent": "*"}`, `{"ok": false}`, `{"items": [{"id": "b"}, {"id": "a"}]}`,
		`{"items": [{"id": "a"}]}`, `{"items": {"$len": 3}}`, `{"items": [{"id": "a", "n": 2}, {"id": "b"}]}`,
	}
	for _, cases := range []struct {
		wants []string
		pass  bool
	}{{passing, true}, {failing, false}} {
		for _, text := range cases.wants {
			var want any
			if err := remarshal(jsonValue(t, text), &want); err != nil {
				t.Fatal(err)
			}
			if err := match("response", want, got); (err == nil) != cases.pass {
				t.Errorf("match(%s) = %v, want pass %v", text, err, cases.pass)
			}
		}
	}
}

func TestSubstituteKeepsTheSavedTypeOfAWholeReference(t *testing.T) {
	vars := map[string]any{"ns": "conf-1", "seq": "42", "n": 3.0}
	got, err := substitute(jsonValue(t, `{"namespace": "${ns}", "fromSeq": "${seq}", "k": "${n}", "label": "at ${seq} in ${ns}"}`), vars)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"fromSeq":"42","k":3,"label":"at 42 in conf-1","namespace":"conf-1"}`
	if compact(got) != want {
		t.Errorf("substituted %s, want %s", compact(got), want)
	}
	if _, err := substitute("${unknown}", vars); err == nil {
		t.Error("an unknown variable was accepted")
	}
	if value, ok := lookup(map[string]any{"results": []any{map[string]any{"memory": map[string]any{"id": "m1"}}}}, "results.0.memory.id"); !ok || value != "m1" {
		t.Errorf("lookup = %v, %v", value, ok)
	}
}

func jsonValue(t *testing.T, text string) any {
	t.Helper()
	var value any
	if err := remarshal(json.RawMessage(text), &value); err != nil {
		t.Fatal(err)
	}
	return value
}
