/**
 * drydock's one door to the `yaml` package. Ansible's files are YAML 1.1 as PyYAML reads it, so user files
 * (inventories, playbooks) are parsed with `ansibleYamlOptions`: `yes`/`no`/`on`/`off` are booleans, `0755` is
 * octal, `<<` merges work, duplicate keys are errors — but `y`/`n` stay strings, as PyYAML keeps them (the
 * `yaml` package's 1.1 schema would turn them into booleans Ansible never sees).
 */
import { LineCounter, type DocumentOptions, type ParseOptions, type SchemaOptions, type ScalarTag, type Tags } from 'yaml';

export {
  LineCounter,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  parse,
  parseAllDocuments,
  parseDocument,
  stringify,
  visit,
} from 'yaml';
export type { Alias, Document, Node, Pair, ParsedNode, ScalarTag, Tags, YAMLMap } from 'yaml';

const PYYAML_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const PYYAML_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;

/** Narrows the 1.1 boolean tags to PyYAML's set. */
export function pyyamlBooleans(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:bool' || !('test' in tag) || !tag.test) return tag;
    const isTrue = tag.test.test('true');
    return { ...tag, test: isTrue ? PYYAML_TRUE : PYYAML_FALSE } as ScalarTag;
  });
}

/** Parse options for files an Ansible user wrote, with positions kept in `lineCounter`. */
export function ansibleYamlOptions(lineCounter: LineCounter): ParseOptions & DocumentOptions & SchemaOptions {
  return { version: '1.1', lineCounter, prettyErrors: false, uniqueKeys: true, customTags: pyyamlBooleans };
}
