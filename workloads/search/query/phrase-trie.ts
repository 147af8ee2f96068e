/**
 * Token-key sequences → value, built once from the rules. A query is matched by walking the trie from each
 * token, so the cost per query is the number of tokens times the longest phrase, whatever the rules' size.
 */

interface TrieNode<T> {
  readonly next: Map<string, TrieNode<T>>;
  value?: T;
}

export interface TrieMatch<T> {
  readonly value: T;
  /** Index of the last token of the match, as handed out by `follow`. */
  readonly lastIndex: number;
}

export class PhraseTrie<T> {
  private readonly root: TrieNode<T> = { next: new Map() };

  /** The value stored for exactly this key sequence. */
  get(keys: readonly string[]): T | undefined {
    let node: TrieNode<T> | undefined = this.root;
    for (const key of keys) {
      node = node.next.get(key);
      if (!node) return undefined;
    }
    return node.value;
  }

  set(keys: readonly string[], value: T): void {
    if (keys.length === 0) throw new Error('PhraseTrie.set: empty key sequence');
    let node = this.root;
    for (const key of keys) {
      let child = node.next.get(key);
      if (!child) {
        child = { next: new Map() };
        node.next.set(key, child);
      }
      node = child;
    }
    node.value = value;
  }

  /**
   * The longest stored sequence starting at token `start`. `keyAt(i)` is the key of token i; `follow(i)` is the
   * index of the token a phrase may continue with after i, or -1 where a phrase must stop (punctuation, a token
   * already used, …). Longest wins, so "navy blue" beats "navy" when both are phrases.
   */
  longest(
    start: number,
    keyAt: (index: number) => string,
    follow: (index: number) => number,
  ): TrieMatch<T> | undefined {
    let best: TrieMatch<T> | undefined;
    let node = this.root.next.get(keyAt(start));
    let index = start;
    while (node) {
      if (node.value !== undefined) best = { value: node.value, lastIndex: index };
      const nextIndex = follow(index);
      if (nextIndex < 0) break;
      node = node.next.get(keyAt(nextIndex));
      index = nextIndex;
    }
    return best;
  }
}
