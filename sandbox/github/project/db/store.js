/** An in-memory table store: the database layer (no dependencies). */
export class Store {
  #tables = new Map();
  #nextId = new Map();

  insert(table, row) {
    const id = (this.#nextId.get(table) ?? 0) + 1;
    this.#nextId.set(table, id);
    const stored = { ...row, id };
    this.#rows(table).set(id, stored);
    return { ...stored };
  }

  get(table, id) {
    const row = this.#rows(table).get(Number(id));
    return row ? { ...row } : undefined;
  }

  all(table) {
    return [...this.#rows(table).values()].map((r) => ({ ...r }));
  }

  update(table, id, changes) {
    const row = this.#rows(table).get(Number(id));
    if (!row) return undefined;
    Object.assign(row, changes, { id: row.id });
    return { ...row };
  }

  remove(table, id) {
    return this.#rows(table).delete(Number(id));
  }

  #rows(table) {
    if (!this.#tables.has(table)) this.#tables.set(table, new Map());
    return this.#tables.get(table);
  }
}
