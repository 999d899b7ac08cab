/** Disjoint sets with path halving and union by size (written by hand: a dozen lines, no library needed). */
export class UnionFind {
  private readonly parent = new Map<string, string>();
  private readonly size = new Map<string, number>();

  add(item: string): void {
    if (!this.parent.has(item)) {
      this.parent.set(item, item);
      this.size.set(item, 1);
    }
  }

  find(item: string): string {
    this.add(item);
    let current = item;
    for (;;) {
      const parent = this.parent.get(current)!;
      if (parent === current) return current;
      const grandparent = this.parent.get(parent)!;
      this.parent.set(current, grandparent);
      current = grandparent;
    }
  }

  union(a: string, b: string): void {
    let rootA = this.find(a);
    let rootB = this.find(b);
    if (rootA === rootB) return;
    if (this.size.get(rootA)! < this.size.get(rootB)!) [rootA, rootB] = [rootB, rootA];
    this.parent.set(rootB, rootA);
    this.size.set(rootA, this.size.get(rootA)! + this.size.get(rootB)!);
  }

  /** How many members the set holding `item` has. */
  sizeOf(item: string): number {
    return this.size.get(this.find(item))!;
  }

  /** Every set as a list of members. */
  groups(): string[][] {
    const byRoot = new Map<string, string[]>();
    for (const item of this.parent.keys()) {
      const root = this.find(item);
      const group = byRoot.get(root);
      if (group) group.push(item);
      else byRoot.set(root, [item]);
    }
    return [...byRoot.values()];
  }
}
