/**
 * Buffer allocation, watched where it happens. While a watch is active every `Buffer.alloc`,
 * `Buffer.allocUnsafe` and `Buffer.allocUnsafeSlow` in this process is recorded with its size,
 * and one larger than `refuseAbove` throws AllocationRefusedError instead of allocating. A
 * decoder that would allocate a hostile announced length (up to 4 GiB) before checking it is
 * then caught by its size, not by a memory figure that garbage collection can hide, and the
 * machine never pays for the allocation.
 */

type Allocate = (size: number, ...rest: unknown[]) => Buffer;
const METHODS = ["alloc", "allocUnsafe", "allocUnsafeSlow"] as const;

export class AllocationRefusedError extends RangeError {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`refused to allocate ${size} bytes (an allocation watch allows ${limit})`);
    this.name = "AllocationRefusedError";
  }
}

export interface AllocationWatch {
  /** Sizes of every allocation seen, in order. */
  readonly sizes: readonly number[];
  /** The largest size asked for, refused or not (0 if none). */
  readonly largest: number;
  /** Puts the real allocation functions back. Idempotent. */
  stop(): void;
}

let active = false;

export function watchAllocations(refuseAbove: number): AllocationWatch {
  if (active) throw new Error("an allocation watch is already active in this process");
  active = true;
  const sizes: number[] = [];
  const originals = new Map<(typeof METHODS)[number], Allocate>();
  const buffer = Buffer as unknown as Record<(typeof METHODS)[number], Allocate>;
  for (const method of METHODS) {
    const original = buffer[method];
    originals.set(method, original);
    buffer[method] = (size: number, ...rest: unknown[]) => {
      sizes.push(size);
      if (size > refuseAbove) throw new AllocationRefusedError(size, refuseAbove);
      return original.call(Buffer, size, ...rest);
    };
  }
  return {
    sizes,
    get largest() {
      return sizes.reduce((a, b) => Math.max(a, b), 0);
    },
    stop() {
      if (originals.size === 0) return;
      for (const [method, original] of originals) buffer[method] = original;
      originals.clear();
      active = false;
    },
  };
}
