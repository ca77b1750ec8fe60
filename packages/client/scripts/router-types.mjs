// Writes the control plane's AppRouter as a self-contained declaration: every procedure's input
// and (JSON-serialized) output spelled out structurally, so the published client needs neither the
// control plane's source nor the types of its database, bus or logger (the router's ctx).
import { dirname, resolve } from 'node:path';
import ts from 'typescript';

const PROBE = '__client_api_probe__.ts';

/**
 * Returns the text of a `.d.ts` module exporting `AppRouter` and `ControlPlaneErrorShape`.
 * @param {string} routerFile absolute path of the module that exports `AppRouter`
 */
export function generateRouterTypes(routerFile) {
  const dir = dirname(routerFile);
  const probeFile = resolve(dir, PROBE);
  const probe = [
    `import type { AppRouter } from './${routerFile.slice(dir.length + 1)}';`,
    `import type { inferRouterOutputs } from '@trpc/server';`,
    'export type Router = AppRouter;',
    'export type Outputs = inferRouterOutputs<AppRouter>;',
  ].join('\n');
  const options = loadOptions(dir);
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, target, ...rest) =>
    resolve(name) === probeFile
      ? ts.createSourceFile(name, probe, target)
      : getSourceFile(name, target, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) === probeFile || fileExists(name);
  const program = ts.createProgram([probeFile], options, host);
  const errors = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new Error(ts.formatDiagnosticsWithColorAndContext(errors.slice(0, 5), host));
  }
  const checker = program.getTypeChecker();
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(probeFile)));
  const declared = (name) => checker.getDeclaredTypeOfSymbol(exports.find((s) => s.name === name));
  const printer = createPrinter(checker, program);
  const router = declared('Router');
  const def = prop(checker, router, '_def');
  const errorShape = printer.print(
    prop(checker, prop(checker, prop(checker, def, '_config'), '$types'), 'errorShape'),
  );
  const record = printRecord(checker, printer, prop(checker, def, 'record'), declared('Outputs'), '');
  return [
    '/** Every error a procedure returns: `data.code` is the tRPC code, `data.issues` lists bad input fields. */',
    `export type ControlPlaneErrorShape = ${errorShape};`,
    '',
    "/** The control plane's tRPC router, as a client sees it (no server context). */",
    'export type AppRouter = TRPCBuiltRouter<',
    '  { ctx: object; meta: object; errorShape: ControlPlaneErrorShape; transformer: false },',
    `  ${indent(record, '  ')}`,
    '>;',
    ...printer.hoisted(),
  ].join('\n');
}

/** The names the generated module needs from `@trpc/server`, for the caller's import line. */
export const TRPC_SERVER_IMPORTS = ['TRPCBuiltRouter', 'TRPCMutationProcedure', 'TRPCQueryProcedure'];

function loadOptions(dir) {
  const configPath = ts.findConfigFile(dir, ts.sys.fileExists, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dirname(configPath));
  return { ...parsed.options, noEmit: true, skipLibCheck: true };
}

function prop(checker, type, name) {
  const symbol = checker.getPropertyOfType(type, name);
  if (!symbol) throw new Error(`the router type has no property ${name}`);
  return checker.getTypeOfSymbol(symbol);
}

/** Nested routers become object literals, procedures `TRPCQueryProcedure<{ input; output; meta }>`. */
function printRecord(checker, printer, record, outputs, path) {
  const lines = [];
  for (const symbol of checker.getPropertiesOfType(record)) {
    const name = symbol.name;
    const value = checker.getTypeOfSymbol(symbol);
    const output = prop(checker, outputs, name);
    const procedureDef = checker.getPropertyOfType(value, '_def');
    const kindSymbol =
      procedureDef && checker.getPropertyOfType(checker.getTypeOfSymbol(procedureDef), 'type');
    if (!kindSymbol) {
      lines.push(`${key(name)}: ${printRecord(checker, printer, value, output, `${path}${name}.`)};`);
      continue;
    }
    const kind = checker.typeToString(checker.getTypeOfSymbol(kindSymbol));
    const types = prop(checker, checker.getTypeOfSymbol(procedureDef), '$types');
    const wrapper = { '"query"': 'TRPCQueryProcedure', '"mutation"': 'TRPCMutationProcedure' }[kind];
    if (!wrapper) throw new Error(`${path}${name}: ${kind} procedures are not supported by the client`);
    const input = printer.print(prop(checker, types, 'input'));
    lines.push(
      `${key(name)}: ${wrapper}<{`,
      `  input: ${indent(input, '  ')};`,
      `  output: ${indent(printer.print(output), '  ')};`,
      '  meta: object;',
      '}>;',
    );
  }
  return `{\n${lines.map((l) => `  ${indent(l, '  ')}`).join('\n')}\n}`;
}

function indent(text, pad) {
  return text.replaceAll('\n', `\n${pad}`);
}

function key(name) {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

/**
 * Prints a type structurally. Union members are sorted (nullish last) so the text does not churn
 * with the checker's internal order; a type that contains itself is hoisted into a named alias.
 */
function createPrinter(checker, program) {
  const recursive = new Map();
  const hoistedText = new Map();
  const stack = new Set();

  function print(type) {
    if (recursive.has(type)) return hoist(type);
    if (stack.has(type)) {
      recursive.set(type, aliasName(type));
      return hoist(type);
    }
    stack.add(type);
    try {
      const text = printInner(type);
      return recursive.has(type) ? hoist(type, text) : text;
    } finally {
      stack.delete(type);
    }
  }

  function hoist(type, text) {
    const name = recursive.get(type);
    if (text !== undefined) hoistedText.set(name, text);
    return name;
  }

  function aliasName(type) {
    const base = type.aliasSymbol?.name ?? 'Recursive';
    let name = base;
    for (let i = 2; [...recursive.values()].includes(name); i++) name = `${base}${i}`;
    return name;
  }

  function printInner(type) {
    const f = type.flags;
    const F = ts.TypeFlags;
    if (
      f &
      (F.Any | F.Unknown | F.String | F.Number | F.Boolean | F.BigInt | F.Null | F.Undefined | F.Void)
    ) {
      return checker.typeToString(type);
    }
    if (f & (F.Never | F.ESSymbol)) return checker.typeToString(type);
    if (f & (F.StringLiteral | F.NumberLiteral | F.BooleanLiteral | F.BigIntLiteral | F.TemplateLiteral)) {
      return checker.typeToString(type);
    }
    if (f & F.EnumLiteral && !(f & F.Union)) return checker.typeToString(type, undefined, 0);
    if (type.isUnion()) return printUnion(type.types);
    if (type.isIntersection()) return type.types.map((t) => wrap(print(t), t)).join(' & ');
    if (checker.isArrayType(type)) {
      const element = checker.getTypeArguments(type)[0];
      const readonly = type.target?.symbol?.name === 'ReadonlyArray' ? 'readonly ' : '';
      return `${readonly}${wrap(print(element), element)}[]`;
    }
    if (checker.isTupleType(type)) return printTuple(type);
    if (f & F.Object) return printObject(type);
    throw new Error(`cannot print type ${checker.typeToString(type)}`);
  }

  function printUnion(types) {
    const nullish = types.filter((t) => t.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined));
    const rest = types.filter((t) => !nullish.includes(t));
    const booleans = rest.filter((t) => t.flags & ts.TypeFlags.BooleanLiteral);
    const members = booleans.length === 2 ? ['boolean'] : booleans.map((t) => print(t));
    for (const t of rest) if (!booleans.includes(t)) members.push(wrap(print(t), t, true));
    members.sort();
    // null before undefined, both after everything else, as people write them.
    nullish.sort((a) => (a.flags & ts.TypeFlags.Null ? -1 : 1));
    return [...members, ...nullish.map((t) => checker.typeToString(t))].join(' | ');
  }

  function printTuple(type) {
    const flags = type.target.elementFlags;
    const parts = checker.getTypeArguments(type).map((t, i) => {
      const text = print(t);
      if (flags[i] & ts.ElementFlags.Rest) return `...${wrap(text, t)}[]`;
      return flags[i] & ts.ElementFlags.Optional ? `${wrap(text, t)}?` : text;
    });
    return `${type.target.readonly ? 'readonly ' : ''}[${parts.join(', ')}]`;
  }

  function printObject(type) {
    // Types from the standard library (Date, Uint8Array, ...) keep their names.
    const declarations = type.symbol?.declarations ?? [];
    if (
      declarations.length > 0 &&
      declarations.every((d) => program.isSourceFileDefaultLibrary(d.getSourceFile()))
    ) {
      return checker.typeToString(type, undefined, ts.TypeFormatFlags.NoTruncation);
    }
    if (checker.getSignaturesOfType(type, ts.SignatureKind.Call).length > 0) {
      throw new Error(
        `cannot print a function type in a procedure's input or output: ${checker.typeToString(type)}`,
      );
    }
    const members = [];
    for (const info of checker.getIndexInfosOfType(type)) {
      const readonly = info.isReadonly ? 'readonly ' : '';
      members.push(`${readonly}[key: ${checker.typeToString(info.keyType)}]: ${print(info.type)};`);
    }
    for (const symbol of checker.getPropertiesOfType(type)) {
      const optional = symbol.flags & ts.SymbolFlags.Optional ? '?' : '';
      members.push(`${key(symbol.name)}${optional}: ${print(checker.getTypeOfSymbol(symbol))};`);
    }
    if (members.length === 0) return '{}';
    return `{\n${members.map((m) => `  ${indent(m, '  ')}`).join('\n')}\n}`;
  }

  /** Parenthesizes unions and intersections where an array suffix or `&` would bind tighter. */
  function wrap(text, type, inUnion = false) {
    if (type.isUnion() && !(type.flags & ts.TypeFlags.Boolean) && !recursive.has(type)) return `(${text})`;
    if (!inUnion && type.isIntersection() && !recursive.has(type)) return `(${text})`;
    return text;
  }

  return {
    print,
    hoisted: () => [...hoistedText].sort().flatMap(([name, text]) => ['', `type ${name} = ${text};`]),
  };
}
