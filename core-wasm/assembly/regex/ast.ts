// The parsed form of a regular expression: what the parser builds and the compiler walks.

export const enum NodeKind {
  /** Matches the empty string. */
  Empty,
  /** Consumes one character that falls in `ranges`. */
  Chars,
  /** Consumes nothing; holds when `assertion` holds at the current position. */
  Assertion,
  /** `children` one after another. */
  Concat,
  /** Any one of `children`. */
  Alternate,
  /** `children[0]` repeated between `min` and `max` times (`max == UNBOUNDED`: no upper bound). */
  Repeat,
}

export const enum AssertionKind {
  /** `^` outside multi-line mode, `\A` */ BeginText,
  /** `$` outside multi-line mode, `\z` */ EndText,
  /** `^` in multi-line mode */ BeginLine,
  /** `$` in multi-line mode */ EndLine,
  /** `\b` (ASCII word characters, as in RE2) */ WordBoundary,
  /** `\B` */ NotWordBoundary,
}

export const UNBOUNDED: i32 = -1;

export class RegexNode {
  kind: NodeKind;
  /** Sorted, non-overlapping, non-adjacent inclusive code point ranges `[lo0, hi0, lo1, hi1, …]` (Chars). */
  ranges: Array<i32> | null = null;
  assertion: AssertionKind = AssertionKind.BeginText;
  children: Array<RegexNode> | null = null;
  min: i32 = 0;
  max: i32 = 0;

  constructor(kind: NodeKind) {
    this.kind = kind;
  }

  static chars(ranges: Array<i32>): RegexNode {
    const node = new RegexNode(NodeKind.Chars);
    node.ranges = ranges;
    return node;
  }

  static assertion(kind: AssertionKind): RegexNode {
    const node = new RegexNode(NodeKind.Assertion);
    node.assertion = kind;
    return node;
  }

  static group(kind: NodeKind, children: Array<RegexNode>): RegexNode {
    const node = new RegexNode(kind);
    node.children = children;
    return node;
  }

  static repeat(child: RegexNode, min: i32, max: i32): RegexNode {
    const node = new RegexNode(NodeKind.Repeat);
    node.children = [child];
    node.min = min;
    node.max = max;
    return node;
  }
}
