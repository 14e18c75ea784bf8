// Navigation of the configuration's JSON Schema: which keys exist, and what kind of value each holds.

export type JsonSchemaNode = Record<string, unknown> & {
  properties?: Record<string, JsonSchemaNode>;
  anyOf?: JsonSchemaNode[];
  allOf?: JsonSchemaNode[];
  type?: string | string[];
  secret?: boolean;
  duration?: boolean;
  description?: string;
  default?: unknown;
};

/** The object properties a node declares, looking through anyOf/allOf wrappers. */
export function propertiesOf(node: JsonSchemaNode | undefined): Record<string, JsonSchemaNode> | undefined {
  if (!node) return undefined;
  if (node.properties) return node.properties;
  for (const member of [...(node.anyOf ?? []), ...(node.allOf ?? [])]) {
    const found = propertiesOf(member);
    if (found) return found;
  }
  return undefined;
}

export function nodeAt(root: JsonSchemaNode, path: readonly string[]): JsonSchemaNode | undefined {
  let node: JsonSchemaNode | undefined = root;
  for (const key of path) {
    node = propertiesOf(node)?.[key];
    if (!node) return undefined;
  }
  return node;
}

/** True when a leaf takes free text, so an environment value must not be parsed as YAML. */
export function isStringLeaf(node: JsonSchemaNode): boolean {
  if (node.duration) return false;
  const types = new Set<string>();
  const collect = (n: JsonSchemaNode) => {
    if (typeof n.type === 'string') types.add(n.type);
    else if (Array.isArray(n.type)) n.type.forEach((t) => types.add(t));
    n.anyOf?.forEach(collect);
  };
  collect(node);
  types.delete('null');
  return types.size === 1 && types.has('string');
}

/** Every leaf path of the schema, in declaration order. */
export function leafPaths(root: JsonSchemaNode, prefix: string[] = []): string[][] {
  const properties = propertiesOf(root);
  if (!properties) return [prefix];
  return Object.entries(properties).flatMap(([key, child]) => leafPaths(child, [...prefix, key]));
}
