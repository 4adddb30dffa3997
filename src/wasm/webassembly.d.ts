/**
 * The part of the WebAssembly JS API actormesh uses (src/wasm, tests, benchmarks). Node has
 * `WebAssembly` as a global, but TypeScript declares it only in its DOM and web-worker libs
 * and @types/node 20 does not declare it; interfaces and vars (not classes), so a fuller
 * declaration elsewhere merges with this one.
 */
// eslint-disable-next-line @typescript-eslint/no-namespace
declare namespace WebAssembly {
  type ImportExportKind = 'function' | 'global' | 'memory' | 'table' | 'tag';
  type ValueType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'anyfunc' | 'externref' | 'funcref';
  interface ModuleExportDescriptor {
    readonly name: string;
    readonly kind: ImportExportKind;
  }
  interface ModuleImportDescriptor {
    readonly module: string;
    readonly name: string;
    readonly kind: ImportExportKind;
  }
  // eslint-disable-next-line @typescript-eslint/no-empty-interface
  interface Module {}
  var Module: {
    prototype: Module;
    new (bytes: ArrayBufferView | ArrayBuffer): Module;
    exports(module: Module): ModuleExportDescriptor[];
    imports(module: Module): ModuleImportDescriptor[];
  };
  type ExportValue = ((...args: never[]) => unknown) | Global | Memory | Table;
  type Exports = Record<string, ExportValue>;
  type ImportValue = ExportValue | number | bigint | ((...args: never[]) => unknown);
  type Imports = Record<string, Record<string, ImportValue>>;
  interface Instance {
    readonly exports: Exports;
  }
  var Instance: {
    prototype: Instance;
    new (module: Module, importObject?: Imports): Instance;
  };
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  var Memory: {
    prototype: Memory;
    new (descriptor: MemoryDescriptor): Memory;
  };
  interface GlobalDescriptor {
    value: ValueType;
    mutable?: boolean;
  }
  interface Global {
    value: unknown;
    valueOf(): unknown;
  }
  var Global: {
    prototype: Global;
    new (descriptor: GlobalDescriptor, value?: unknown): Global;
  };
  interface Table {
    readonly length: number;
  }
  var Table: {
    prototype: Table;
  };
  interface RuntimeError extends Error {}
  var RuntimeError: {
    prototype: RuntimeError;
    new (message?: string): RuntimeError;
  };
  interface CompileError extends Error {}
  var CompileError: {
    prototype: CompileError;
    new (message?: string): CompileError;
  };
  interface LinkError extends Error {}
  var LinkError: {
    prototype: LinkError;
    new (message?: string): LinkError;
  };
  function compile(bytes: ArrayBufferView | ArrayBuffer): Promise<Module>;
  function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
}
