// Pike VM over runes, reduced to what safe_regex needs: does the pattern match the whole input? With no captures
// to track, every thread at a position is interchangeable, so each instruction is live at most once per position
// and the work per input rune is bounded by the program size: time O(input × program), no backtracking.
import { Char, decodeRune, decodedLength, isWordChar } from "../char";
import { AssertionKind } from "./ast";
import { Program, Opcode, INSTRUCTION_WORDS } from "./compiler";

/** Instructions visited by every `fullMatch` so far: the test-visible measure of work. */
export let stepCount: i64 = 0;

/** "No rune here": before the first or after the last rune of the input. */
const NO_RUNE: i32 = -1;

/** Work per rune stays within (MAX_PRECOMPUTED_CLOSURE + 2) × program size (see closureStart). */
export const MAX_PRECOMPUTED_CLOSURE: i32 = 4;

export class Matcher {
  private program: Program;
  /** marks[pc] == generation ⇔ pc is already in the list being built for the current position. */
  private marks: StaticArray<u32>;
  private generation: u32 = 0;
  private current: StaticArray<i32>;
  private next: StaticArray<i32>;
  private stack: StaticArray<i32>;

  /** ASCII bytes every match must start with (a full match is anchored): lets the route trie index regex routes. */
  literalPrefix: StaticArray<u8>;
  /**
   * The instructions that spell literalPrefix (with any leading \A): the program's first ones. A match compares
   * the prefix bytes directly and starts the VM after them.
   */
  private prefixInstructions: i32;
  /**
   * Precomputed closures: for instruction pc, closureItems[closureStart[pc] … closureStart[pc + 1]) are the consuming
   * and Match instructions reachable through jumps and splits alone. closureStart[pc] == -1: followed at run time
   * instead, because the closure passes an assertion (which depends on the input) or holds more than
   * MAX_PRECOMPUTED_CLOSURE items (every thread walks its list, so long lists would cost O(program²) per rune).
   */
  private closureStart: StaticArray<i32>;
  private closureItems: StaticArray<i32>;

  constructor(program: Program, literalPrefix: StaticArray<u8>, prefixInstructions: i32) {
    this.program = program;
    this.literalPrefix = literalPrefix;
    this.prefixInstructions = prefixInstructions;
    const size = program.instructionCount;
    this.marks = new StaticArray<u32>(size);
    this.current = new StaticArray<i32>(size);
    this.next = new StaticArray<i32>(size);
    this.stack = new StaticArray<i32>(size);
    this.closureStart = new StaticArray<i32>(size + 1);
    this.closureItems = new StaticArray<i32>(0);
    this.precomputeClosures();
  }

  /** Fills closureStart/closureItems (at most MAX_PRECOMPUTED_CLOSURE items per instruction). */
  private precomputeClosures(): void {
    const code = this.program.code;
    const size = this.program.instructionCount;
    const items = new Array<i32>();
    for (let pc = 0; pc < size; pc++) {
      this.closureStart[pc] = items.length;
      this.advanceGeneration();
      let depth = 0;
      this.stack[depth++] = pc;
      this.marks[pc] = this.generation;
      let hasAssertion = false;
      const first = items.length;
      while (depth > 0) {
        const at = this.stack[--depth];
        const op = code[at * INSTRUCTION_WORDS];
        if (op == Opcode.Assert) {
          hasAssertion = true;
          break;
        }
        if (op == Opcode.Jump || op == Opcode.Split) {
          const targets = op == Opcode.Jump ? 1 : 2;
          for (let t = 1; t <= targets; t++) {
            const target = code[at * INSTRUCTION_WORDS + t];
            if (this.marks[target] != this.generation) {
              this.marks[target] = this.generation;
              this.stack[depth++] = target;
            }
          }
        } else {
          items.push(at);
        }
      }
      if (hasAssertion || items.length - first > MAX_PRECOMPUTED_CLOSURE) {
        items.length = first;
        this.closureStart[pc] = -1;
      }
    }
    this.closureStart[size] = items.length;
    const stored = new StaticArray<i32>(items.length);
    for (let i = 0; i < items.length; i++) stored[i] = items[i];
    this.closureItems = stored;
  }

  /** The end of pc's precomputed closure: the next instruction's start, skipping dynamic ones (-1). */
  private closureEnd(pc: i32): i32 {
    let next = pc + 1;
    while (unchecked(this.closureStart[next]) < 0) next++;
    return unchecked(this.closureStart[next]);
  }

  get instructionCount(): i32 {
    return this.program.instructionCount;
  }

  /** Whether the UTF-8 bytes [ptr, ptr + length) as a whole match the program. */
  fullMatch(ptr: usize, length: i32): bool {
    const code = this.program.code;
    let current = this.current;
    let next = this.next;
    const prefix = this.literalPrefix;
    const prefixLength = prefix.length;
    if (length < prefixLength) return false;
    for (let i = 0; i < prefixLength; i++) {
      if (load<u8>(ptr + <usize>i) != unchecked(prefix[i])) return false;
    }
    let position = prefixLength;
    let previousRune = prefixLength > 0 ? <i32>unchecked(prefix[prefixLength - 1]) : NO_RUNE;
    let nextRune = position < length ? decodeRune(ptr + <usize>position, length - position) : NO_RUNE;
    let nextLength = decodedLength;
    this.advanceGeneration();
    let currentCount = this.addClosure(current, 0, this.prefixInstructions, previousRune, nextRune);
    let steps: i64 = 0;
    while (position < length) {
      if (currentCount == 0) {
        stepCount += steps;
        return false;
      }
      const rune = nextRune;
      const after = position + nextLength;
      if (after < length) {
        const byte = <i32>load<u8>(ptr + <usize>after);
        // ASCII inline; only multi-byte sequences pay for the decoder call.
        if (byte < 0x80) {
          nextRune = byte;
          nextLength = 1;
        } else {
          nextRune = decodeRune(ptr + <usize>after, length - after);
          nextLength = decodedLength;
        }
      } else {
        nextRune = NO_RUNE;
        nextLength = 0;
      }
      let nextCount = 0;
      this.advanceGeneration();
      for (let i = 0; i < currentCount; i++) {
        const pc = unchecked(current[i]);
        const base = pc * INSTRUCTION_WORDS;
        const op = unchecked(code[base]);
        let consumed = false;
        if (op == Opcode.Range) {
          consumed = rune >= unchecked(code[base + 1]) && rune <= unchecked(code[base + 2]);
        } else if (op == Opcode.Class) {
          consumed = this.classContains(unchecked(code[base + 1]), unchecked(code[base + 2]), rune);
        }
        if (consumed) {
          const follower = pc + 1;
          const closureStart = unchecked(this.closureStart[follower]);
          if (closureStart >= 0) {
            // Precomputed closure: no stack, no jumps or splits to walk.
            const closureEnd = this.closureEnd(follower);
            const marks = this.marks;
            const generation = this.generation;
            for (let item = closureStart; item < closureEnd; item++) {
              const target = unchecked(this.closureItems[item]);
              steps++;
              if (unchecked(marks[target]) != generation) {
                unchecked((marks[target] = generation));
                unchecked((next[nextCount++] = target));
              }
            }
          } else {
            nextCount = this.addClosure(next, nextCount, follower, rune, nextRune);
          }
        }
      }
      steps += currentCount;
      const swap = current;
      current = next;
      next = swap;
      currentCount = nextCount;
      position = after;
      previousRune = rune;
    }
    stepCount += steps + currentCount;
    for (let i = 0; i < currentCount; i++) {
      if (unchecked(code[unchecked(current[i]) * INSTRUCTION_WORDS]) == Opcode.Match) return true;
    }
    return false;
  }

  private advanceGeneration(): void {
    this.generation++;
    if (this.generation == 0) {
      // Wrapped after 2^32 positions: stale marks could now look current, so clear them.
      const marks = this.marks;
      for (let i = 0; i < marks.length; i++) unchecked((marks[i] = 0));
      this.generation = 1;
    }
  }

  private classContains(first: i32, count: i32, rune: i32): bool {
    const ranges = this.program.ranges;
    const end = first + 2 * count;
    for (let i = first; i < end; i += 2) {
      if (rune < unchecked(ranges[i])) return false;
      if (rune <= unchecked(ranges[i + 1])) return true;
    }
    return false;
  }

  /**
   * Adds to `list` (holding `count` entries) every consuming or Match instruction reachable from `start` through
   * jumps, splits and assertions that hold between `previousRune` and `nextRune`. Returns the new count.
   */
  private addClosure(list: StaticArray<i32>, count: i32, start: i32, previousRune: i32, nextRune: i32): i32 {
    const code = this.program.code;
    const marks = this.marks;
    const stack = this.stack;
    const generation = this.generation;
    if (unchecked(marks[start]) == generation) return count;
    unchecked((marks[start] = generation));
    let depth = 1;
    unchecked((stack[0] = start));
    let visited: i64 = 0;
    while (depth > 0) {
      const pc = unchecked(stack[--depth]);
      visited++;
      const base = pc * INSTRUCTION_WORDS;
      const op = unchecked(code[base]);
      let follow1 = -1;
      let follow2 = -1;
      if (op == Opcode.Jump) {
        follow1 = unchecked(code[base + 1]);
      } else if (op == Opcode.Split) {
        follow1 = unchecked(code[base + 2]);
        follow2 = unchecked(code[base + 1]);
      } else if (op == Opcode.Assert) {
        if (assertionHolds(unchecked(code[base + 1]), previousRune, nextRune)) follow1 = pc + 1;
      } else {
        unchecked((list[count++] = pc));
      }
      if (follow1 >= 0 && unchecked(marks[follow1]) != generation) {
        unchecked((marks[follow1] = generation));
        unchecked((stack[depth++] = follow1));
      }
      if (follow2 >= 0 && unchecked(marks[follow2]) != generation) {
        unchecked((marks[follow2] = generation));
        unchecked((stack[depth++] = follow2));
      }
    }
    stepCount += visited;
    return count;
  }
}

function assertionHolds(kind: i32, previousRune: i32, nextRune: i32): bool {
  switch (kind) {
    case AssertionKind.BeginText:
      return previousRune == NO_RUNE;
    case AssertionKind.EndText:
      return nextRune == NO_RUNE;
    case AssertionKind.BeginLine:
      return previousRune == NO_RUNE || previousRune == Char.LineFeed;
    case AssertionKind.EndLine:
      return nextRune == NO_RUNE || nextRune == Char.LineFeed;
    case AssertionKind.WordBoundary:
      return isWordChar(previousRune) != isWordChar(nextRune);
    case AssertionKind.NotWordBoundary:
      return isWordChar(previousRune) == isWordChar(nextRune);
  }
  return false;
}
