// Thompson construction: RegexNode tree → flat program for the Pike VM (vm.ts).
import { RegexNode, NodeKind, UNBOUNDED } from "./ast";

// Program layout: three i32 words per instruction.
//
//   word 0       word 1          word 2
//   ┌──────────┬───────────────┬───────────────┐
//   │ Opcode   │ x             │ y             │
//   └──────────┴───────────────┴───────────────┘
//   Range:  x = lowest code point,  y = highest code point
//   Class:  x = first word in the program's range pool, y = number of ranges
//   Split:  x, y = the two next instructions
//   Jump:   x = next instruction
//   Assert: x = AssertionKind
//   Match:  —
export const enum Opcode {
  /** consume one rune in [x, y] */ Range,
  /** consume one rune in one of the y ranges at ranges[x…] */ Class,
  /** continue at both x and y */ Split,
  /** continue at x */ Jump,
  /** continue at the next instruction when assertion x holds here */ Assert,
  /** the pattern matched the input consumed so far */ Match,
}
export const INSTRUCTION_WORDS: i32 = 3;

export class Program {
  constructor(
    public code: StaticArray<i32>,
    public ranges: StaticArray<i32>,
    public instructionCount: i32,
  ) {}
}

/** How many instructions `node` compiles to, saturating just above `limit` so giant repeats stay cheap to size. */
export function programSize(node: RegexNode, limit: i32): i32 {
  let size: i64 = 0;
  switch (node.kind) {
    case NodeKind.Empty:
      size = 0;
      break;
    case NodeKind.Chars:
    case NodeKind.Assertion:
      size = 1;
      break;
    case NodeKind.Concat: {
      const children = node.children!;
      for (let i = 0; i < children.length; i++) {
        size += programSize(children[i], limit);
        if (size > limit) break;
      }
      break;
    }
    case NodeKind.Alternate: {
      const children = node.children!;
      size = 2 * (children.length - 1);
      for (let i = 0; i < children.length; i++) {
        size += programSize(children[i], limit);
        if (size > limit) break;
      }
      break;
    }
    case NodeKind.Repeat: {
      const child = <i64>programSize(node.children![0], limit);
      if (node.max == UNBOUNDED) {
        size = node.min == 0 ? child + 2 : <i64>node.min * child + 1;
      } else {
        size = <i64>node.min * child + <i64>(node.max - node.min) * (child + 1);
      }
      break;
    }
  }
  return size > limit ? limit + 1 : <i32>size;
}

export class Compiler {
  private code: Array<i32> = new Array<i32>();
  private ranges: Array<i32> = new Array<i32>();

  /** The program for `root` followed by Match; the caller has checked programSize against its limit. */
  compile(root: RegexNode): Program {
    this.emitNode(root);
    this.emit(Opcode.Match, 0, 0);
    const code = new StaticArray<i32>(this.code.length);
    for (let i = 0; i < this.code.length; i++) code[i] = this.code[i];
    const ranges = new StaticArray<i32>(this.ranges.length);
    for (let i = 0; i < this.ranges.length; i++) ranges[i] = this.ranges[i];
    return new Program(code, ranges, this.code.length / INSTRUCTION_WORDS);
  }

  private get next(): i32 {
    return this.code.length / INSTRUCTION_WORDS;
  }

  private emit(op: Opcode, x: i32, y: i32): i32 {
    const at = this.next;
    this.code.push(op);
    this.code.push(x);
    this.code.push(y);
    return at;
  }

  private patchX(instruction: i32, target: i32): void {
    this.code[instruction * INSTRUCTION_WORDS + 1] = target;
  }

  private patchY(instruction: i32, target: i32): void {
    this.code[instruction * INSTRUCTION_WORDS + 2] = target;
  }

  private emitNode(node: RegexNode): void {
    switch (node.kind) {
      case NodeKind.Empty:
        break;
      case NodeKind.Chars:
        this.emitChars(node.ranges!);
        break;
      case NodeKind.Assertion:
        this.emit(Opcode.Assert, node.assertion, 0);
        break;
      case NodeKind.Concat: {
        const children = node.children!;
        for (let i = 0; i < children.length; i++) this.emitNode(children[i]);
        break;
      }
      case NodeKind.Alternate:
        this.emitUnion(node.children!);
        break;
      case NodeKind.Repeat:
        this.emitRepeat(node.children![0], node.min, node.max);
        break;
    }
  }

  private emitChars(ranges: Array<i32>): void {
    if (ranges.length == 2) {
      this.emit(Opcode.Range, ranges[0], ranges[1]);
      return;
    }
    this.emit(Opcode.Class, this.ranges.length, ranges.length >> 1);
    for (let i = 0; i < ranges.length; i++) this.ranges.push(ranges[i]);
  }

  //   split L1, next ─▶ L1: child0; jump END
  //   next: split L2, next' ─▶ L2: child1; jump END   …   last child; END:
  private emitUnion(children: Array<RegexNode>): void {
    const jumpsToEnd = new Array<i32>();
    for (let i = 0; i < children.length - 1; i++) {
      const split = this.emit(Opcode.Split, 0, 0);
      this.patchX(split, this.next);
      this.emitNode(children[i]);
      jumpsToEnd.push(this.emit(Opcode.Jump, 0, 0));
      this.patchY(split, this.next);
    }
    this.emitNode(children[children.length - 1]);
    for (let i = 0; i < jumpsToEnd.length; i++) this.patchX(jumpsToEnd[i], this.next);
  }

  private emitRepeat(child: RegexNode, min: i32, max: i32): void {
    if (max == UNBOUNDED) {
      if (min == 0) {
        this.emitClosure(child);
        return;
      }
      for (let i = 0; i < min - 1; i++) this.emitNode(child);
      this.emitPlus(child);
      return;
    }
    for (let i = 0; i < min; i++) this.emitNode(child);
    // Optional copies: each one may be skipped, which ends the repetition.
    const splitsToEnd = new Array<i32>();
    for (let i = min; i < max; i++) {
      const split = this.emit(Opcode.Split, 0, 0);
      this.patchX(split, this.next);
      splitsToEnd.push(split);
      this.emitNode(child);
    }
    for (let i = 0; i < splitsToEnd.length; i++) this.patchY(splitsToEnd[i], this.next);
  }

  //   LOOP: split BODY, END; BODY: child; jump LOOP; END:
  private emitClosure(child: RegexNode): void {
    const loop = this.emit(Opcode.Split, 0, 0);
    this.patchX(loop, this.next);
    this.emitNode(child);
    this.emit(Opcode.Jump, loop, 0);
    this.patchY(loop, this.next);
  }

  //   BODY: child; split BODY, END; END:
  private emitPlus(child: RegexNode): void {
    const body = this.next;
    this.emitNode(child);
    const split = this.emit(Opcode.Split, body, 0);
    this.patchY(split, this.next);
  }
}
