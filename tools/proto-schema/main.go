// Command proto-schema prints server/protobuf/schema.ts: for every Kubernetes type kubemock may
// receive as protobuf, the field numbers of its message and the JSON each field becomes. It reads
// the `protobuf` and `json` struct tags of the Go API types by reflection, so the table follows
// the Kubernetes release named in go.mod.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// field is one entry of a message: short JSON keys keep the generated table small.
type field struct {
	JSON string `json:"n"`
	// Kind is a scalar (str, int, bool, bytes), msg, map, or one of the wellKnownKinds.
	Kind string `json:"k"`
	// Repeated marks a list.
	Repeated bool `json:"r,omitempty"`
	// OmitZero marks a non-pointer scalar tagged omitempty: present on the wire even when zero,
	// but left out of the JSON then.
	OmitZero bool `json:"z,omitempty"`
	// Inline marks an embedded struct whose fields the JSON lifts into the parent.
	Inline bool `json:"i,omitempty"`
	// Type is the message of a msg field, or of a map's values.
	Type string `json:"t,omitempty"`
	// Value is the kind of a map's values (keys are always strings).
	Value string `json:"v,omitempty"`
}

type message map[int]field

var jsonMarshaler = reflect.TypeOf((*json.Marshaler)(nil)).Elem()

// wellKnownKinds are the types whose JSON form is not their fields: each has its own decoder.
var wellKnownKinds = map[string]string{
	"k8s.io/apimachinery/pkg/apis/meta/v1.Time":       "time",
	"k8s.io/apimachinery/pkg/apis/meta/v1.MicroTime":  "microtime",
	"k8s.io/apimachinery/pkg/apis/meta/v1.FieldsV1":   "rawjson",
	"k8s.io/apimachinery/pkg/runtime.RawExtension":    "rawjson",
	"k8s.io/apimachinery/pkg/util/intstr.IntOrString": "intorstring",
	"k8s.io/apimachinery/pkg/api/resource.Quantity":   "quantity",
}

type generator struct {
	messages map[string]message
	pending  []reflect.Type
}

// messageName is short and unique: "core/v1.Pod", "meta/v1.ObjectMeta".
func messageName(t reflect.Type) string {
	path := t.PkgPath()
	for _, prefix := range []string{"k8s.io/api/", "k8s.io/apimachinery/pkg/apis/"} {
		path = strings.TrimPrefix(path, prefix)
	}
	return path + "." + t.Name()
}

func (g *generator) reference(t reflect.Type) string {
	name := messageName(t)
	if _, seen := g.messages[name]; !seen {
		g.messages[name] = nil
		g.pending = append(g.pending, t)
	}
	return name
}

func wellKnownKind(t reflect.Type) string {
	return wellKnownKinds[t.PkgPath()+"."+t.Name()]
}

// scalarKind maps a Go scalar to the wire reading it needs.
func scalarKind(t reflect.Type) (string, error) {
	if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
		return "bytes", nil
	}
	switch t.Kind() {
	case reflect.String:
		return "str", nil
	case reflect.Bool:
		return "bool", nil
	case reflect.Int32, reflect.Int64:
		return "int", nil
	}
	return "", fmt.Errorf("no protobuf reading for Go type %s", t)
}

// valueKind classifies a non-list, non-map type: scalar, well-known or message.
func (g *generator) valueKind(t reflect.Type) (kind, typeName string, err error) {
	if known := wellKnownKind(t); known != "" {
		return known, "", nil
	}
	if t.Kind() == reflect.Struct {
		if t.Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(jsonMarshaler) {
			return "", "", fmt.Errorf("%s has its own JSON form: add it to wellKnownKinds", t)
		}
		return "msg", g.reference(t), nil
	}
	kind, err = scalarKind(t)
	return kind, "", err
}

func (g *generator) describe(t reflect.Type) (message, error) {
	fields := message{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup("protobuf")
		if !ok || tag == "-" {
			continue // TypeMeta and other fields that only JSON carries
		}
		// Only the field number is taken from the tag: the Go type decides how a value is
		// written, and a few tags disagree with it (DeleteOptions.propagationPolicy is tagged
		// varint but travels as a string; EndpointSlice.addressType is tagged rep but is one).
		parts := strings.Split(tag, ",")
		number, err := strconv.Atoi(parts[1])
		if err != nil {
			return nil, fmt.Errorf("%s.%s: bad protobuf tag %q", t, sf.Name, tag)
		}
		jsonName, jsonOptions, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if jsonName == "-" {
			continue
		}
		f := field{JSON: jsonName, Inline: jsonName == "" && sf.Anonymous}
		ft := sf.Type
		pointer := ft.Kind() == reflect.Pointer
		if pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Map:
			if ft.Key().Kind() != reflect.String {
				return nil, fmt.Errorf("%s.%s: map keys must be strings", t, sf.Name)
			}
			f.Kind = "map"
			f.Value, f.Type, err = g.mapValueKind(ft.Elem())
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8:
			f.Repeated = true
			elem := ft.Elem()
			if elem.Kind() == reflect.Pointer {
				elem = elem.Elem()
			}
			f.Kind, f.Type, err = g.valueKind(elem)
		default:
			f.Kind, f.Type, err = g.valueKind(ft)
			isScalar := f.Kind == "str" || f.Kind == "int" || f.Kind == "bool" || f.Kind == "bytes"
			f.OmitZero = isScalar && !pointer && strings.Contains(","+jsonOptions+",", ",omitempty,")
		}
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t, sf.Name, err)
		}
		if _, clash := fields[number]; clash {
			return nil, fmt.Errorf("%s: field number %d used twice", t, number)
		}
		fields[number] = f
	}
	return fields, nil
}

// mapValueKind classifies a map's values. A named list (authentication's ExtraValue) travels as
// a message wrapping the list in field 1; its kind says so with a "list:" prefix.
func (g *generator) mapValueKind(t reflect.Type) (kind, typeName string, err error) {
	if t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8 {
		kind, typeName, err = g.valueKind(t.Elem())
		return "list:" + kind, typeName, err
	}
	return g.valueKind(t)
}

func (g *generator) run() error {
	for len(g.pending) > 0 {
		t := g.pending[0]
		g.pending = g.pending[1:]
		fields, err := g.describe(t)
		if err != nil {
			return err
		}
		g.messages[messageName(t)] = fields
	}
	return nil
}

// bodyMetaKinds are the meta/v1 kinds a request body can be: the scheme also registers option
// and discovery kinds in every group, which only travel as query parameters or responses.
var bodyMetaKinds = map[string]bool{"DeleteOptions": true, "Status": true}

// roots names the top-level message of every apiVersion and kind a request body may carry.
func (g *generator) roots(scheme *runtime.Scheme) map[string]map[string]string {
	roots := map[string]map[string]string{}
	metaPackage := reflect.TypeOf(metav1.Status{}).PkgPath()
	for gvk, t := range scheme.AllKnownTypes() {
		if gvk.Version == runtime.APIVersionInternal || (t.PkgPath() == metaPackage && !bodyMetaKinds[gvk.Kind]) {
			continue
		}
		apiVersion := gvk.GroupVersion().String()
		if roots[apiVersion] == nil {
			roots[apiVersion] = map[string]string{}
		}
		roots[apiVersion][gvk.Kind] = g.reference(t)
	}
	return roots
}

func buildScheme() *runtime.Scheme {
	scheme := runtime.NewScheme()
	for _, add := range apiGroups {
		must(add(scheme))
	}
	// A delete body may also name the meta group itself.
	scheme.AddKnownTypes(schema.GroupVersion{Group: metav1.GroupName, Version: "v1"}, &metav1.DeleteOptions{})
	return scheme
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "proto-schema:", err)
		os.Exit(1)
	}
}

// write prints the table as a TypeScript module, one message per line so diffs stay readable. Each
// entry is JSON text, which the decoder parses the first time it reads that root or message: a
// start need not build the whole table.
func write(roots map[string]map[string]string, messages map[string]message) error {
	var out strings.Builder
	out.WriteString("// Generated by tools/proto-schema (see its README); do not edit.\n\n")
	out.WriteString("import type { ProtobufSchemaText } from './decode.js';\n\n")
	out.WriteString("export const schema: ProtobufSchemaText = {\n  roots: {\n")
	for _, apiVersion := range sortedKeys(roots) {
		line, err := json.Marshal(roots[apiVersion])
		if err != nil {
			return err
		}
		fmt.Fprintf(&out, "    %q: %s,\n", apiVersion, jsString(string(line)))
	}
	out.WriteString("  },\n  messages: {\n")
	for _, name := range sortedKeys(messages) {
		line, err := json.Marshal(messages[name])
		if err != nil {
			return err
		}
		fmt.Fprintf(&out, "    %q: %s,\n", name, jsString(string(line)))
	}
	out.WriteString("  },\n};\n")
	_, err := os.Stdout.WriteString(out.String())
	return err
}

// jsString quotes text as a JavaScript string literal.
func jsString(text string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(text) + "'"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

func main() {
	vectors := flag.Bool("vectors", false, "print the decoder's test vectors instead of the schema")
	flag.Parse()
	scheme := buildScheme()
	if *vectors {
		must(writeVectors(scheme))
		return
	}
	g := &generator{messages: map[string]message{}}
	roots := g.roots(scheme)
	must(g.run())
	must(write(roots, g.messages))
}
