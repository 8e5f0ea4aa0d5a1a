/**
 * The architecture rules that look at more than one file at a time, as pure functions of a tree (paths and texts),
 * so `architecture.test.mts` runs them on the real tree and `architectureRules.test.mts` shows each one failing on
 * a small broken tree.
 */
import ts from 'typescript';

/** A source file and the package files it imports, as paths from the repository root with their extension. */
export interface ImportEdges {
	path: string;
	imports: string[];
}

/**
 * Every import cycle among `modules`, each written `a → b → … → a` from its alphabetically first file; empty when
 * there is none. Type-only imports count: a cycle is two files neither of which can be read, or changed, first.
 */
export function importCycles(modules: readonly ImportEdges[]): string[] {
	const edges = new Map(modules.map(({ path, imports }) => [path, imports]));
	const cycles = new Set<string>();
	const path: string[] = [];
	const finished = new Set<string>();
	const visit = (file: string): void => {
		const onPath = path.indexOf(file);
		if (onPath >= 0) {
			const cycle = path.slice(onPath);
			const first = cycle.indexOf([...cycle].sort()[0]);
			const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
			cycles.add([...rotated, rotated[0]].join(' → '));
			return;
		}
		if (finished.has(file)) return;
		path.push(file);
		for (const target of edges.get(file) ?? []) if (edges.has(target)) visit(target);
		path.pop();
		finished.add(file);
	};
	for (const file of [...edges.keys()].sort()) visit(file);
	return [...cycles].sort();
}

/** The file an import specifier of `from` names among `files`, or undefined (a package, or a file not given). */
export function resolveImport(
	from: string,
	specifier: string,
	files: ReadonlySet<string>,
): string | undefined {
	if (!specifier.startsWith('.')) return undefined;
	const parts = from.split('/').slice(0, -1);
	for (const part of specifier.split('/')) {
		if (part === '..') parts.pop();
		else if (part !== '.') parts.push(part);
	}
	const base = parts.join('/');
	return [base, `${base}.ts`, `${base}/index.ts`].find((candidate) => files.has(candidate));
}

/** Methods that change the array, Map, Set or object they are called on. */
const MUTATING_METHODS = new Set([
	'push',
	'pop',
	'shift',
	'unshift',
	'splice',
	'sort',
	'reverse',
	'fill',
	'copyWithin',
	'set',
	'add',
	'delete',
	'clear',
]);
/** Functions that change the object given as their first argument. */
const MUTATING_FUNCTIONS = new Set([
	'Object.assign',
	'Object.defineProperty',
	'Object.defineProperties',
	'Object.setPrototypeOf',
	'Reflect.set',
	'Reflect.deleteProperty',
]);

const ASSIGNMENTS = new Set([
	ts.SyntaxKind.EqualsToken,
	ts.SyntaxKind.PlusEqualsToken,
	ts.SyntaxKind.MinusEqualsToken,
	ts.SyntaxKind.AsteriskEqualsToken,
	ts.SyntaxKind.SlashEqualsToken,
	ts.SyntaxKind.PercentEqualsToken,
	ts.SyntaxKind.AmpersandAmpersandEqualsToken,
	ts.SyntaxKind.BarBarEqualsToken,
	ts.SyntaxKind.QuestionQuestionEqualsToken,
]);

/** The variable a property chain starts from (`TABLE` in `TABLE.a[0].b`, `(TABLE as T[])`), when it starts at one. */
function chainRoot(expression: ts.Expression): ts.Identifier | undefined {
	let node: ts.Expression = expression;
	while (
		ts.isPropertyAccessExpression(node) ||
		ts.isElementAccessExpression(node) ||
		ts.isNonNullExpression(node) ||
		ts.isParenthesizedExpression(node) ||
		ts.isAsExpression(node) ||
		ts.isSatisfiesExpression(node) ||
		ts.isTypeAssertionExpression(node)
	)
		node = node.expression;
	return ts.isIdentifier(node) ? node : undefined;
}

/** The containers a node writes into: `x.a = …`, `x[i]++`, `delete x.a`, `x.push(…)`, `Object.assign(x, …)`. */
function writtenContainer(node: ts.Node): ts.Identifier | undefined {
	const intoProperty = (target: ts.Expression) =>
		ts.isPropertyAccessExpression(target) || ts.isElementAccessExpression(target)
			? chainRoot(target)
			: undefined;
	if (ts.isBinaryExpression(node) && ASSIGNMENTS.has(node.operatorToken.kind))
		return intoProperty(node.left);
	if (
		(ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
		(node.operator === ts.SyntaxKind.PlusPlusToken ||
			node.operator === ts.SyntaxKind.MinusMinusToken)
	)
		return intoProperty(node.operand);
	if (ts.isDeleteExpression(node)) return intoProperty(node.expression);
	if (ts.isCallExpression(node)) {
		const callee = node.expression;
		if (MUTATING_FUNCTIONS.has(callee.getText()) && node.arguments.length > 0)
			return chainRoot(node.arguments[0]);
		if (ts.isPropertyAccessExpression(callee) && MUTATING_METHODS.has(callee.name.text))
			return chainRoot(callee.expression);
	}
	return undefined;
}

/** A `const`/`let` declared at the top level of a file, when the symbol is one. */
function moduleLevelVariable(symbol: ts.Symbol | undefined): ts.VariableDeclaration | undefined {
	const declaration = symbol?.valueDeclaration;
	if (!declaration || !ts.isVariableDeclaration(declaration)) return undefined;
	const statement = declaration.parent.parent;
	return ts.isVariableStatement(statement) && ts.isSourceFile(statement.parent)
		? declaration
		: undefined;
}

/**
 * Every place in `files` that writes into a module-level variable's value (an array, Map, Set or object held at
 * module level) declared in a file `mayHoldState` refuses: `path: writes into NAME (declared in FILE): CODE`.
 * Names are resolved by TypeScript, through imports and renames; a container reached through an alias
 * (`const list = TABLE; list.push(…)`) or returned by a function is not followed.
 */
export function writesIntoModuleState(
	files: Readonly<Record<string, string>>,
	mayHoldState: (path: string) => boolean,
): string[] {
	const host: ts.CompilerHost = {
		fileExists: (name) => name in files,
		readFile: (name) => files[name],
		getSourceFile: (name, target) =>
			name in files ? ts.createSourceFile(name, files[name], target, true) : undefined,
		getDefaultLibFileName: () => 'lib.d.ts',
		writeFile: () => undefined,
		getCurrentDirectory: () => '',
		getCanonicalFileName: (name) => name,
		useCaseSensitiveFileNames: () => true,
		getNewLine: () => '\n',
	};
	const program = ts.createProgram(
		Object.keys(files),
		{
			noLib: true,
			types: [],
			noEmit: true,
			module: ts.ModuleKind.ESNext,
			moduleResolution: ts.ModuleResolutionKind.Node10,
		},
		host,
	);
	const checker = program.getTypeChecker();
	const found: string[] = [];
	for (const path of Object.keys(files).sort()) {
		const source = program.getSourceFile(path);
		if (!source) continue;
		const visit = (node: ts.Node): void => {
			const root = writtenContainer(node);
			if (root) {
				let symbol = checker.getSymbolAtLocation(root);
				if (symbol && symbol.flags & ts.SymbolFlags.Alias)
					symbol = checker.getAliasedSymbol(symbol);
				const declaration = moduleLevelVariable(symbol);
				const home = declaration?.getSourceFile().fileName;
				if (declaration && home && !mayHoldState(home))
					found.push(
						`${path}: writes into ${declaration.name.getText()} (declared in ${home}): ${node.getText().split('\n')[0]}`,
					);
			}
			ts.forEachChild(node, visit);
		};
		visit(source);
	}
	return found;
}

/** Extensions of the files a doc may name (a path with no extension and no trailing slash is not taken as one). */
const NAMED_FILE = /\.(ts|mts|mjs|js|json|md|ya?ml)$/;
const PATH_TOKEN = /^[A-Za-z0-9_.<>*-]+(\/[A-Za-z0-9_.<>*-]+)*\/?$/;

/**
 * The paths a Markdown doc names: words (split at spaces and backticks, outer punctuation dropped) with a slash
 * that end in `/` (a folder) or a file extension. `<name>` and `*` stand for any part of a name.
 */
export function pathsNamedIn(doc: string): string[] {
	const words = doc
		.split(/[\s`]+/)
		.map((word) => word.replace(/^[(["']+/, '').replace(/[)\],;:.!?"']+$/, ''));
	return [
		...new Set(
			words.filter(
				(word) =>
					word.includes('/') &&
					PATH_TOKEN.test(word) &&
					(word.endsWith('/') || NAMED_FILE.test(word)),
			),
		),
	];
}

/** Folders a short path in the doc may be relative to: the repository, the TikTok node (`actions/…`), nodes/ (`TikTokTrigger/`). */
export const DOC_PATH_BASES = ['', 'nodes/TikTok/', 'nodes/'] as const;

function patternOf(path: string): RegExp {
	const escaped = path
		.split(/(<[^>/]*>|\*)/)
		.map((part) =>
			part.startsWith('<') || part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
		)
		.join('');
	return new RegExp(`^${escaped}${path.endsWith('/') ? '' : '$'}`);
}

/**
 * Checks a doc against the tree. `missing`: paths the doc names that match no file or folder of `existing` (under
 * any of DOC_PATH_BASES). `unnamed`: files of `sources` the doc does not name — by their path or a pattern for
 * files in nodes/ and credentials/ (each package file is named), or also by a folder two levels deep or more
 * (`test/unit/`, `scripts/bench/`) for files in test/ and scripts/.
 */
export function docAgainstTree(
	doc: string,
	existing: readonly string[],
	sources: readonly string[],
): { missing: string[]; unnamed: string[] } {
	const named = pathsNamedIn(doc);
	const resolved = named.map((name) => ({
		name,
		patterns: DOC_PATH_BASES.map((base) => patternOf(base + name)),
		folder: name.endsWith('/'),
	}));
	const missing = resolved
		.filter(({ patterns }) => !existing.some((file) => patterns.some((p) => p.test(file))))
		.map(({ name }) => name);
	const folderMayName = (file: string) => file.startsWith('test/') || file.startsWith('scripts/');
	const unnamed = sources.filter(
		(file) =>
			!resolved.some(
				({ patterns, folder, name }) =>
					patterns.some((p) => p.test(file)) &&
					(!folder || (folderMayName(file) && name.split('/').length > 2)),
			),
	);
	return { missing, unnamed };
}
