// Reads @kubernetes/client-node's generated model classes. Each class has a static attributeTypeMap
// naming its JSON fields and their TypeScript types; that is all the schema needs. Classes are
// imported one by one, only those the served kinds reach, once per process.

export interface ModelField {
  /** The TypeScript property name (`_default` for `default`). */
  name: string;
  /** The JSON field name. */
  baseName: string;
  /** A class name, a primitive, `Array<T>` or `{ [key: string]: T; }`. */
  type: string;
  format: string;
}

export type FieldType =
  | { kind: 'array'; items: FieldType }
  | { kind: 'map'; values: FieldType }
  | { kind: 'model'; className: string }
  | { kind: 'scalar'; type: 'string' | 'number' | 'boolean' | 'Date' | 'V1MicroTime' | 'IntOrString' | 'any' };

const scalarTypes = new Set(['string', 'number', 'boolean', 'Date', 'V1MicroTime', 'IntOrString', 'any']);
const arrayPattern = /^Array<(.+)>$/;
const mapPattern = /^\{ \[key: string\]: (.+); \}$/;

export function parseFieldType(type: string): FieldType {
  const array = arrayPattern.exec(type);
  if (array) return { kind: 'array', items: parseFieldType(array[1]) };
  const map = mapPattern.exec(type);
  if (map) return { kind: 'map', values: parseFieldType(map[1]) };
  if (scalarTypes.has(type)) return { kind: 'scalar', type: type as 'string' };
  return { kind: 'model', className: type };
}

function referencedClass(type: FieldType): string | undefined {
  if (type.kind === 'array') return referencedClass(type.items);
  if (type.kind === 'map') return referencedClass(type.values);
  return type.kind === 'model' ? type.className : undefined;
}

const loadedModels = new Map<string, Promise<ModelField[] | undefined>>();
let modelsDirectory: URL | undefined;

/** Throws a clear error when client-node is not installed, so a missing package never reads as a missing class. */
function modelModuleUrl(className: string): URL {
  modelsDirectory ??= new URL('./gen/models/', import.meta.resolve('@kubernetes/client-node'));
  return new URL(`${className}.js`, modelsDirectory);
}

/** A model class's fields, or undefined when client-node has no such class. */
export function loadModel(className: string): Promise<ModelField[] | undefined> {
  let loading = loadedModels.get(className);
  if (!loading) {
    loading = import(modelModuleUrl(className).href).then(
      (module) => module[className]?.attributeTypeMap as ModelField[] | undefined,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ERR_MODULE_NOT_FOUND') return undefined;
        throw err;
      },
    );
    loadedModels.set(className, loading);
  }
  return loading;
}

/** The classes named and every class their fields reach, by class name. */
export async function loadModelGraph(roots: string[]): Promise<Map<string, ModelField[]>> {
  const graph = new Map<string, ModelField[]>();
  const seen = new Set(roots);
  let wave = [...seen];
  // Breadth-first, one wave of parallel imports per level, so loading costs the graph's depth, not its size.
  while (wave.length) {
    const fields = await Promise.all(wave.map(loadModel));
    const next: string[] = [];
    wave.forEach((className, i) => {
      const modelFields = fields[i];
      if (!modelFields) return;
      graph.set(className, modelFields);
      for (const reached of fieldClasses(modelFields)) {
        if (seen.has(reached)) continue;
        seen.add(reached);
        next.push(reached);
      }
    });
    wave = next;
  }
  return graph;
}

/** The classes a class's fields name directly. */
export function fieldClasses(fields: ModelField[]): string[] {
  return fields.map((f) => referencedClass(parseFieldType(f.type))).filter((c): c is string => c !== undefined);
}
