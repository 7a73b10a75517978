import type { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { parseDocument, type CollectionTag, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';

// A CloudFormation template validator over the CloudFormation resource specification (@aws-cdk/aws-service-spec,
// built from the CloudFormation registry schemas): AWS's own cfn-lint is a Python package and PyPI is out of reach.


// ---- CloudFormation YAML: the short forms of the intrinsic functions ----

const FUNCTIONS = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform',
  'And', 'Equals', 'If', 'Not', 'Or', 'Contains', 'EachMemberEquals', 'EachMemberIn', 'RefAll', 'ValueOf', 'ValueOfAll'];

/** `!Ref X` → `{Ref: X}`, `!GetAtt A.B` → `{'Fn::GetAtt': [A, B]}`, `!Sub s` → `{'Fn::Sub': s}`, as CloudFormation reads them. */
function longForm(name: string, value: unknown): Record<string, unknown> {
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt' && typeof value === 'string') return { 'Fn::GetAtt': [value.slice(0, value.indexOf('.')), value.slice(value.indexOf('.') + 1)] };
  return { [`Fn::${name}`]: value };
}

const CFN_TAGS: (ScalarTag | CollectionTag)[] = ['Ref', 'Condition', 'GetAtt', ...FUNCTIONS].flatMap((name) => [
  { tag: `!${name}`, resolve: (s: string) => longForm(name, s) } as ScalarTag,
  { tag: `!${name}`, collection: 'seq', resolve: (seq: YAMLSeq) => longForm(name, seq.toJSON()) } as unknown as CollectionTag,
  { tag: `!${name}`, collection: 'map', resolve: (map: YAMLMap) => longForm(name, map.toJSON()) } as unknown as CollectionTag,
]);

/** Parses a CloudFormation YAML template; any YAML error or warning (an unknown tag, a duplicate key) fails. */
export function parseTemplate(text: string): Template {
  const doc = parseDocument(text, { customTags: CFN_TAGS, uniqueKeys: true });
  const issues = [...doc.errors, ...doc.warnings];
  if (issues.length > 0) throw new Error(`template YAML: ${issues.map((e) => e.message).join('; ')}`);
  return doc.toJSON() as Template;
}

// ---- a validator over the CloudFormation resource specification ----

export type Obj = Record<string, unknown>;
export type Template = Obj & { Parameters: Obj; Resources: Obj; Outputs: Obj; Conditions: Obj };
type Spec = ReturnType<typeof loadAwsServiceSpecSync>;
/** The parts of the specification's entities the validator reads (@aws-cdk/service-spec-types, reduced). */
type PropertyType =
  | { type: 'string'; allowedValues?: string[] } | { type: 'integer'; allowedValues?: number[] }
  | { type: 'number' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { type: 'ref'; reference: { $ref: string } } | { type: 'array' | 'map'; element: PropertyType } | { type: 'union'; types: PropertyType[] };
interface Property { required?: boolean; type: PropertyType }
interface ResourceSpec { cloudFormationType: string; properties: Record<string, Property>; attributes: Record<string, { type: PropertyType }> }
/** What an expression yields: a string or number, a list, a mapping, AWS::NoValue, or unknown (Fn::FindInMap). */
type Shape = 'scalar' | 'list' | 'object' | 'novalue' | 'unknown';

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const TOP_LEVEL = new Set(['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Rules', 'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs']);
const PARAMETER_KEYS = new Set(['Type', 'Default', 'Description', 'AllowedValues', 'AllowedPattern', 'ConstraintDescription', 'MaxLength', 'MinLength', 'MaxValue', 'MinValue', 'NoEcho']);
const PARAMETER_TYPE = /^(String|Number|CommaDelimitedList|List<Number>|AWS::[A-Za-z0-9:]+::[A-Za-z0-9:.]+|List<AWS::[A-Za-z0-9:.]+>|AWS::SSM::Parameter::Value<.+>)$/;
const RESOURCE_KEYS = new Set(['Type', 'Properties', 'DependsOn', 'Condition', 'Metadata', 'DeletionPolicy', 'UpdateReplacePolicy', 'CreationPolicy', 'UpdatePolicy']);
const OUTPUT_KEYS = new Set(['Description', 'Value', 'Export', 'Condition']);
const PSEUDO: Record<string, Shape> = {
  'AWS::AccountId': 'scalar', 'AWS::NotificationARNs': 'list', 'AWS::NoValue': 'novalue', 'AWS::Partition': 'scalar',
  'AWS::Region': 'scalar', 'AWS::StackId': 'scalar', 'AWS::StackName': 'scalar', 'AWS::URLSuffix': 'scalar',
};
const CONDITION_FUNCTIONS = new Set(['Fn::Equals', 'Fn::Not', 'Fn::And', 'Fn::Or', 'Condition']);
const RULE_FUNCTIONS = new Set(['Ref', 'Fn::And', 'Fn::Contains', 'Fn::EachMemberEquals', 'Fn::EachMemberIn', 'Fn::Equals', 'Fn::Not', 'Fn::Or', 'Fn::RefAll', 'Fn::ValueOf', 'Fn::ValueOfAll']);

/** The function call a value is (`{Ref: …}`, `{'Fn::X': …}`; `{Condition: …}` too inside conditions), if it is one. */
function callOf(v: unknown, inCondition = false): [string, unknown] | undefined {
  if (!isObj(v)) return undefined;
  const [key, ...more] = Object.keys(v);
  return key !== undefined && more.length === 0 && (key === 'Ref' || key.startsWith('Fn::') || (inCondition && key === 'Condition')) ? [key, v[key]] : undefined;
}

/**
 * Checks a template the way CloudFormation's own validation and cfn-lint's schema rules do: sections, parameters,
 * conditions and rules; every resource's type, property names, required properties and value types, recursively
 * through the specification's type definitions; every Ref, GetAtt, Sub variable and condition name. Returns the
 * problems, one line each (empty: valid).
 */
export function createTemplateValidator(spec: Spec): (template: unknown) => string[] {
  const resourceSpec = (type: string) => spec.lookup('resource', 'cloudFormationType', 'equals', type)[0] as ResourceSpec | undefined;
  const typeDefinition = (ref: { $ref: string }) => spec.get('typeDefinition', ref as never) as unknown as { properties: Record<string, Property> };
  return (template) => {
    const problems: string[] = [];
    const report = (where: string, what: string) => void problems.push(`${where}: ${what}`);
    if (!isObj(template)) return ['the template is not a mapping'];
    const section = (name: string): Obj => (isObj(template[name]) ? (template[name] as Obj) : {});
    const [params, conditions, resources, mappings] = [section('Parameters'), section('Conditions'), section('Resources'), section('Mappings')];
    const typeOf = (resource: string): string | undefined => (isObj(resources[resource]) ? String((resources[resource] as Obj).Type) : undefined);

    const refShape = (name: unknown, where: string): Shape => {
      if (typeof name !== 'string') return report(where, 'Ref needs a name'), 'unknown';
      if (name in PSEUDO) return PSEUDO[name]!;
      if (name in resources) return 'scalar';
      const param = params[name];
      if (isObj(param)) return /^(List<|CommaDelimitedList)/.test(String(param.Type)) ? 'list' : 'scalar';
      return report(where, `Ref to ${name}, which is no parameter, resource or pseudo parameter`), 'unknown';
    };
    const attributeShape = (resource: string, attribute: string, where: string): Shape => {
      const type = typeOf(resource);
      if (type === undefined) return report(where, `GetAtt on ${resource}, which is no resource`), 'unknown';
      const rs = resourceSpec(type);
      if (!rs) return 'unknown'; // the type itself is reported with the resource
      const attr = rs.attributes[attribute];
      if (!attr) return report(where, `${type} has no attribute ${attribute} (it has ${Object.keys(rs.attributes).join(', ')})`), 'unknown';
      return attr.type.type === 'array' ? 'list' : 'scalar';
    };
    const conditionExists = (name: unknown, where: string) => {
      if (typeof name !== 'string' || !(name in conditions)) report(where, `condition ${String(name)} is not defined in Conditions`);
    };
    const checkSub = (arg: unknown, where: string) => {
      const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, {}];
      if (typeof text !== 'string' || !isObj(vars)) return report(where, 'Fn::Sub takes a string, or [string, {variables}]');
      for (const [name, v] of Object.entries(vars)) shapeOf(v, `${where}.${name}`);
      for (const [, name] of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
        if (name! in vars || name! in PSEUDO || name! in params || name! in resources) continue;
        const dot = name!.indexOf('.');
        if (dot > 0) attributeShape(name!.slice(0, dot), name!.slice(dot + 1), where);
        else report(where, `Fn::Sub names \${${name}}, which is no parameter, resource, pseudo parameter or variable`);
      }
    };
    /** Checks an expression's functions and references and says what it yields. */
    const shapeOf = (v: unknown, where: string): Shape => {
      const call = callOf(v);
      if (!call) {
        if (Array.isArray(v)) return v.forEach((item, i) => shapeOf(item, `${where}[${i}]`)), 'list';
        if (isObj(v)) return Object.entries(v).forEach(([k, item]) => shapeOf(item, `${where}.${k}`)), 'object';
        return 'scalar';
      }
      const [fn, arg] = call;
      const args = Array.isArray(arg) ? arg : [];
      switch (fn) {
        case 'Ref': return refShape(arg, where);
        case 'Fn::GetAtt': {
          const [resource, attribute] = typeof arg === 'string' ? [arg.split('.')[0], arg.split('.').slice(1).join('.')] : args;
          if (typeof resource !== 'string' || typeof attribute !== 'string') return report(where, 'Fn::GetAtt takes [resource, attribute]'), 'unknown';
          return attributeShape(resource, attribute, where);
        }
        case 'Fn::Sub': return checkSub(arg, where), 'scalar';
        case 'Fn::Join':
          if (args.length !== 2 || typeof args[0] !== 'string' || !['list', 'unknown'].includes(shapeOf(args[1], `${where}[1]`))) report(where, 'Fn::Join takes [delimiter, list]');
          return 'scalar';
        case 'Fn::Select':
          if (args.length !== 2 || !['list', 'unknown'].includes(shapeOf(args[1], `${where}[1]`))) report(where, 'Fn::Select takes [index, list]');
          return 'scalar';
        case 'Fn::Split': return args.length === 2 ? (shapeOf(args[1], `${where}[1]`), 'list') : (report(where, 'Fn::Split takes [delimiter, string]'), 'list');
        case 'Fn::GetAZs': case 'Fn::Cidr': return shapeOf(arg, where), 'list';
        case 'Fn::Base64': case 'Fn::ImportValue': return shapeOf(arg, where), 'scalar';
        case 'Fn::FindInMap':
          if (args.length !== 3) report(where, 'Fn::FindInMap takes [map, key, key]');
          else if (typeof args[0] === 'string' && !(args[0] in mappings)) report(where, `Fn::FindInMap on ${args[0]}, which is not in Mappings`);
          return 'unknown';
        case 'Fn::If': {
          if (args.length !== 3) return report(where, 'Fn::If takes [condition, then, else]'), 'unknown';
          conditionExists(args[0], where);
          const [a, b] = [shapeOf(args[1], `${where}[1]`), shapeOf(args[2], `${where}[2]`)];
          return a === b || b === 'novalue' ? a : a === 'novalue' ? b : 'unknown';
        }
        default: return report(where, `${fn} is not a function here`), 'unknown';
      }
    };
    /** Checks a value against a property type of the specification. */
    const check = (v: unknown, type: PropertyType, where: string): void => {
      const call = callOf(v);
      if (call?.[0] === 'Fn::If' && Array.isArray(call[1]) && call[1].length === 3) {
        conditionExists(call[1][0], where);
        for (const i of [1, 2]) if (!(isObj(call[1][i]) && (call[1][i] as Obj).Ref === 'AWS::NoValue')) check(call[1][i], type, `${where}[${i}]`);
        return;
      }
      if (call) {
        const shape = shapeOf(v, where);
        const wanted: Shape | 'any' = type.type === 'array' ? 'list' : ['ref', 'map', 'tag'].includes(type.type) ? 'object' : ['json', 'union'].includes(type.type) ? 'any' : 'scalar';
        if (wanted !== 'any' && shape !== 'unknown' && shape !== 'novalue' && shape !== wanted) report(where, `${call[0]} yields a ${shape}, the property takes a ${wanted === 'object' ? 'mapping' : wanted}`);
        return;
      }
      switch (type.type) {
        case 'string': case 'date-time':
          if (isObj(v) || Array.isArray(v) || v === null) return report(where, `expected a string, got ${JSON.stringify(v)}`);
          if (type.type === 'string' && type.allowedValues && !type.allowedValues.includes(String(v))) report(where, `${JSON.stringify(v)} is not one of ${type.allowedValues.join(', ')}`);
          return;
        case 'number': case 'integer': {
          const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
          if (!Number.isFinite(n) || (type.type === 'integer' && !Number.isInteger(n))) report(where, `expected ${type.type === 'integer' ? 'an integer' : 'a number'}, got ${JSON.stringify(v)}`);
          return;
        }
        case 'boolean':
          if (v !== true && v !== false && v !== 'true' && v !== 'false') report(where, `expected a boolean, got ${JSON.stringify(v)}`);
          return;
        case 'json': return void shapeOf(v, where);
        case 'null': return v === null ? undefined : report(where, 'expected null');
        case 'tag':
          if (!isObj(v) || Object.keys(v).sort().join() !== 'Key,Value') return report(where, 'a tag is {Key, Value}');
          return check(v.Key, { type: 'string' }, `${where}.Key`), check(v.Value, { type: 'string' }, `${where}.Value`);
        case 'array':
          if (!Array.isArray(v)) return report(where, `expected a list, got ${JSON.stringify(v)}`);
          return v.forEach((item, i) => check(item, type.element, `${where}[${i}]`));
        case 'map':
          if (!isObj(v)) return report(where, 'expected a mapping');
          return Object.entries(v).forEach(([k, item]) => check(item, type.element, `${where}.${k}`));
        case 'ref': return checkProperties(v, typeDefinition(type.reference).properties, where);
        case 'union': {
          const before = problems.length;
          const fits = type.types.some((t) => {
            check(v, t, where);
            const ok = problems.length === before;
            problems.length = before;
            return ok;
          });
          if (!fits) report(where, `fits none of the types ${type.types.map((t) => t.type).join(', ')}`);
          return;
        }
      }
    };
    const checkProperties = (v: unknown, props: Record<string, Property>, where: string): void => {
      if (!isObj(v)) return report(where, `expected a mapping of properties, got ${JSON.stringify(v)}`);
      for (const [name, value] of Object.entries(v)) {
        const prop = props[name];
        if (!prop) report(`${where}.${name}`, `no such property (known: ${Object.keys(props).sort().join(', ')})`);
        else check(value, prop.type, `${where}.${name}`);
      }
      for (const [name, prop] of Object.entries(props)) if (prop.required && !(name in v)) report(where, `required property ${name} is missing`);
    };
    const checkCondition = (c: unknown, where: string): void => {
      const call = callOf(c, true);
      if (!call || !CONDITION_FUNCTIONS.has(call[0])) return report(where, 'a condition is Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition');
      const [fn, arg] = call;
      if (fn === 'Condition') return conditionExists(arg, where);
      if (!Array.isArray(arg)) return report(where, `${fn} takes a list`);
      if (fn === 'Fn::Equals') return arg.length === 2 ? arg.forEach((a, i) => shapeOf(a, `${where}[${i}]`)) : report(where, 'Fn::Equals takes two values');
      if (fn === 'Fn::Not' && arg.length !== 1) report(where, 'Fn::Not takes one condition');
      if (fn !== 'Fn::Not' && (arg.length < 2 || arg.length > 10)) report(where, `${fn} takes 2 to 10 conditions`);
      arg.forEach((a, i) => checkCondition(a, `${where}[${i}]`));
    };
    const checkRuleExpression = (v: unknown, where: string): void => {
      const call = callOf(v);
      if (call && !RULE_FUNCTIONS.has(call[0])) return report(where, `${call[0]} cannot be used in Rules`);
      if (call?.[0] === 'Ref' && !(typeof call[1] === 'string' && (call[1] in params || call[1] in PSEUDO))) return report(where, `Rules may only Ref parameters, not ${String(call[1])}`);
      if (Array.isArray(v)) v.forEach((item, i) => checkRuleExpression(item, `${where}[${i}]`));
      else if (isObj(v)) Object.entries(v).forEach(([k, item]) => checkRuleExpression(item, `${where}.${k}`));
    };

    for (const key of Object.keys(template)) if (!TOP_LEVEL.has(key)) report(key, 'not a template section');
    if (template.AWSTemplateFormatVersion !== undefined && template.AWSTemplateFormatVersion !== '2010-09-09') report('AWSTemplateFormatVersion', 'must be 2010-09-09');
    if (Object.keys(resources).length === 0) report('Resources', 'a template needs at least one resource');
    for (const [name, p] of Object.entries(params)) {
      const where = `Parameters.${name}`;
      if (!isObj(p)) { report(where, 'not a mapping'); continue; }
      for (const key of Object.keys(p)) if (!PARAMETER_KEYS.has(key)) report(`${where}.${key}`, 'not a parameter attribute');
      if (typeof p.Type !== 'string' || !PARAMETER_TYPE.test(p.Type)) report(`${where}.Type`, `${JSON.stringify(p.Type)} is not a parameter type`);
      if (p.NoEcho !== undefined && typeof p.NoEcho !== 'boolean') report(`${where}.NoEcho`, 'true or false');
      if ((p.MinLength !== undefined || p.MaxLength !== undefined || p.AllowedPattern !== undefined) && p.Type !== 'String') report(where, 'MinLength, MaxLength and AllowedPattern are for String parameters');
      if ((p.MinValue !== undefined || p.MaxValue !== undefined) && p.Type !== 'Number') report(where, 'MinValue and MaxValue are for Number parameters');
      if (p.AllowedValues !== undefined && !Array.isArray(p.AllowedValues)) report(`${where}.AllowedValues`, 'a list');
      if (p.Default === undefined) continue;
      const value = String(p.Default);
      if (Array.isArray(p.AllowedValues) && !p.AllowedValues.map(String).includes(value)) report(`${where}.Default`, 'not one of AllowedValues');
      if (typeof p.AllowedPattern === 'string' && !new RegExp(p.AllowedPattern).test(value)) report(`${where}.Default`, 'does not match AllowedPattern');
      if (typeof p.MinLength === 'number' && value.length < p.MinLength) report(`${where}.Default`, 'shorter than MinLength');
      if (typeof p.MaxLength === 'number' && value.length > p.MaxLength) report(`${where}.Default`, 'longer than MaxLength');
      if (p.Type === 'Number' && !Number.isFinite(Number(value))) report(`${where}.Default`, 'not a number');
      if (typeof p.MinValue === 'number' && Number(value) < p.MinValue) report(`${where}.Default`, 'below MinValue');
      if (typeof p.MaxValue === 'number' && Number(value) > p.MaxValue) report(`${where}.Default`, 'above MaxValue');
    }
    for (const [name, c] of Object.entries(conditions)) checkCondition(c, `Conditions.${name}`);
    for (const [name, rule] of Object.entries(section('Rules'))) {
      if (!isObj(rule) || Object.keys(rule).some((k) => k !== 'RuleCondition' && k !== 'Assertions') || !Array.isArray(rule.Assertions)) {
        report(`Rules.${name}`, 'a rule is {RuleCondition?, Assertions: [...]}');
        continue;
      }
      checkRuleExpression(rule, `Rules.${name}`);
      rule.Assertions.forEach((a, i) => {
        if (!isObj(a) || a.Assert === undefined || Object.keys(a).some((k) => k !== 'Assert' && k !== 'AssertDescription')) report(`Rules.${name}.Assertions[${i}]`, 'an assertion is {Assert, AssertDescription?}');
      });
    }
    for (const [name, r] of Object.entries(resources)) {
      const where = `Resources.${name}`;
      if (!isObj(r) || typeof r.Type !== 'string') { report(where, 'a resource needs a Type'); continue; }
      for (const key of Object.keys(r)) if (!RESOURCE_KEYS.has(key)) report(`${where}.${key}`, 'not a resource attribute');
      if (r.Condition !== undefined) conditionExists(r.Condition, `${where}.Condition`);
      for (const dep of [r.DependsOn ?? []].flat()) if (typeof dep !== 'string' || !(dep in resources)) report(`${where}.DependsOn`, `${String(dep)} is no resource`);
      if (r.Type.startsWith('Custom::') || r.Type === 'AWS::CloudFormation::CustomResource') continue;
      const rs = resourceSpec(r.Type);
      if (!rs) { report(`${where}.Type`, `${r.Type} is not a CloudFormation resource type`); continue; }
      checkProperties(r.Properties ?? {}, rs.properties, `${where}.Properties`);
    }
    for (const [name, o] of Object.entries(section('Outputs'))) {
      const where = `Outputs.${name}`;
      if (!isObj(o) || o.Value === undefined) { report(where, 'an output needs a Value'); continue; }
      for (const key of Object.keys(o)) if (!OUTPUT_KEYS.has(key)) report(`${where}.${key}`, 'not an output attribute');
      const shape = shapeOf(o.Value, `${where}.Value`);
      if (shape === 'list' || shape === 'object') report(`${where}.Value`, `an output is a string, not a ${shape}`);
      if (o.Condition !== undefined) conditionExists(o.Condition, `${where}.Condition`);
      if (o.Export !== undefined) shapeOf(o.Export, `${where}.Export`);
    }
    return problems;
  };
}

