// Command template-hash prints server/reconcilers/go-layout.ts: the Go layout of the API types whose
// values kube-controller-manager hashes (v1.PodTemplateSpec for a Deployment's pod-template-hash,
// v1.EndpointSubset and v1.EndpointPort for the order of an Endpoints object's subsets and ports).
// The hash prints the Go value with go-spew, every field in declaration order with its Go type name,
// so kubemock needs each struct's fields, their JSON names and the type names spew writes. The table
// is read from the Go API types by reflection, so it follows the Kubernetes release named in go.mod.
//
// With -vectors it reads pod templates (a JSON array) on stdin and prints each with the hash the
// Kubernetes code computes for it, for the unit spec of the TypeScript implementation.
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"reflect"
	"runtime/debug"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/dump"
	"k8s.io/apimachinery/pkg/util/rand"
)

// goType is one entry of the layout table. Kind is bool, int, uint, string, ptr, slice, map, struct,
// or one of the special kinds whose JSON form is not their fields (quantity, time, intorstring).
type goType struct {
	Kind   string      `json:"kind"`
	Elem   string      `json:"elem,omitempty"`
	Key    string      `json:"key,omitempty"`
	Fields [][3]string `json:"fields,omitempty"`
}

var special = map[string]string{
	"k8s.io/apimachinery/pkg/api/resource.Quantity":   "quantity",
	"k8s.io/apimachinery/pkg/apis/meta/v1.Time":       "time",
	"k8s.io/apimachinery/pkg/util/intstr.IntOrString": "intorstring",
}

type generator struct {
	ids   map[reflect.Type]string
	types map[string]goType
	order []string
}

// id is the type's name as go-spew prints it; two types printing alike would be ambiguous.
func (g *generator) id(t reflect.Type) string {
	if id, ok := g.ids[t]; ok {
		return id
	}
	id := t.String()
	if _, taken := g.types[id]; taken {
		fmt.Fprintf(os.Stderr, "template-hash: two types print as %s\n", id)
		os.Exit(1)
	}
	g.ids[t] = id
	entry := goType{}
	if kind, ok := special[t.PkgPath()+"."+t.Name()]; ok {
		entry.Kind = kind
		g.add(id, entry)
		return id
	}
	switch t.Kind() {
	case reflect.Bool:
		entry.Kind = "bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		entry.Kind = "int"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		entry.Kind = "uint"
	case reflect.String:
		entry.Kind = "string"
	case reflect.Ptr:
		entry.Kind = "ptr"
		entry.Elem = g.id(t.Elem())
	case reflect.Slice:
		entry.Kind = "slice"
		entry.Elem = g.id(t.Elem())
	case reflect.Map:
		entry.Kind = "map"
		entry.Key = g.id(t.Key())
		entry.Elem = g.id(t.Elem())
	case reflect.Struct:
		entry.Kind = "struct"
		g.add(id, entry) // placeholder first: recursive types refer to themselves
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("json"), ",")[0]
			jsonName := tag
			if f.Anonymous && tag == "" {
				jsonName = "" // inline: its fields are the parent's in JSON
			} else if tag == "" {
				jsonName = f.Name
			}
			entry.Fields = append(entry.Fields, [3]string{f.Name, jsonName, g.id(f.Type)})
		}
	default:
		fmt.Fprintf(os.Stderr, "template-hash: %s has kind %s, which the hash printer does not know\n", id, t.Kind())
		os.Exit(1)
	}
	g.add(id, entry)
	return id
}

func (g *generator) add(id string, entry goType) {
	if _, ok := g.types[id]; !ok {
		g.order = append(g.order, id)
	}
	g.types[id] = entry
}

func computeHash(template *v1.PodTemplateSpec, collisionCount *int32) string {
	hasher := fnv.New32a()
	hasher.Reset()
	fmt.Fprintf(hasher, "%v", dump.ForHash(*template))
	if collisionCount != nil {
		bytes := make([]byte, 8)
		binary.LittleEndian.PutUint32(bytes, uint32(*collisionCount))
		hasher.Write(bytes)
	}
	return rand.SafeEncodeString(fmt.Sprint(hasher.Sum32()))
}

func vectors() {
	var templates []json.RawMessage
	if err := json.NewDecoder(os.Stdin).Decode(&templates); err != nil {
		fmt.Fprintln(os.Stderr, "template-hash: reading templates:", err)
		os.Exit(1)
	}
	type vector struct {
		Template  json.RawMessage `json:"template"`
		Collision *int32          `json:"collisionCount,omitempty"`
		Hash      string          `json:"hash"`
		Printed   string          `json:"printed"`
	}
	var out []vector
	for _, raw := range templates {
		var template v1.PodTemplateSpec
		if err := json.Unmarshal(raw, &template); err != nil {
			fmt.Fprintln(os.Stderr, "template-hash: decoding a template:", err)
			os.Exit(1)
		}
		out = append(out, vector{Template: raw, Hash: computeHash(&template, nil), Printed: dump.ForHash(template)})
		two := int32(2)
		out = append(out, vector{Template: raw, Collision: &two, Hash: computeHash(&template, &two)})
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", "  ")
	document := map[string]any{"source": "printed and hashed by k8s.io/apimachinery " + moduleVersion("k8s.io/apimachinery") + " (tools/template-hash -vectors)", "vectors": out}
	if err := encoder.Encode(document); err != nil {
		os.Exit(1)
	}
}

func main() {
	printVectors := flag.Bool("vectors", false, "hash the pod templates read from stdin")
	flag.Parse()
	if *printVectors {
		vectors()
		return
	}
	g := &generator{ids: map[reflect.Type]string{}, types: map[string]goType{}}
	root := g.id(reflect.TypeOf(v1.PodTemplateSpec{}))
	subset := g.id(reflect.TypeOf(v1.EndpointSubset{}))
	port := g.id(reflect.TypeOf(v1.EndpointPort{}))
	table := map[string]goType{}
	for _, id := range g.order {
		table[id] = g.types[id]
	}
	body, err := json.Marshal(table)
	if err != nil {
		os.Exit(1)
	}
	fmt.Println("// Generated by tools/template-hash from k8s.io/api " + moduleVersion("k8s.io/api") + "; do not edit.")
	fmt.Println("// The Go layout of the types kube-controller-manager hashes: type name as go-spew prints it,")
	fmt.Println("// kind, and for structs their fields in declaration order as [Go name, JSON name, type].")
	fmt.Println()
	fmt.Println("import type { GoLayout } from './go-spew.js';")
	fmt.Println()
	fmt.Printf("export const podTemplateSpecType = %q;\n", root)
	fmt.Printf("export const endpointSubsetType = %q;\n", subset)
	fmt.Printf("export const endpointPortType = %q;\n\n", port)
	fmt.Printf("export const goLayout: GoLayout = %s;\n", body)
}

// moduleVersion is the release of a module the program was built with.
func moduleVersion(path string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == path {
				return dep.Version
			}
		}
	}
	return "(unknown)"
}
