/** An insertion-ordered set that forgets its oldest entries beyond `capacity`. */
export class RecentSet {
  private readonly entries = new Set<string>();
  constructor(private readonly capacity: number) {}

  has(value: string): boolean {
    return this.entries.has(value);
  }

  add(value: string): void {
    this.entries.delete(value);
    this.entries.add(value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.values().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
