// A minimal, safe unpickler for torch checkpoints. It interprets the pickle opcodes that torch.save writes for a
// state dict (protocols 2–5) as data: dicts, lists, tuples, strings, bytes, numbers, booleans and None, plus exactly
// these names — collections.OrderedDict (a dict), torch._utils._rebuild_tensor_v2 and _rebuild_parameter (a tensor
// view of a storage), and torch.<Type>Storage inside a persistent id ('storage', type, key, location, numel).
// Any other GLOBAL is refused with an error naming it, before anything is built from it: nothing is ever called or
// imported, so a checkpoint cannot run code here (unlike Python's pickle.load).

import type { Dtype } from './dtypes';

export class PickleError extends Error {}

/** A storage named by a persistent id: the archive entry `<prefix>/data/<key>` holds its bytes. */
export class StorageRef {
  constructor(
    readonly dtype: Dtype,
    readonly key: string,
    readonly location: string,
    readonly numel: number,
  ) {}
}

/** A tensor as torch rebuilds it: a strided view of a storage. */
export class TensorValue {
  constructor(
    readonly storage: StorageRef,
    readonly storageOffset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

export class PyDict {
  readonly map = new Map<PyKey, PyValue>();
}

/** A name the unpickler allows (only the ones below are ever created). */
class Allowed {
  constructor(
    readonly kind: 'ordered-dict' | 'rebuild-tensor' | 'rebuild-parameter' | 'storage',
    readonly qualified: string,
    readonly dtype: Dtype | null = null,
  ) {}
}

export type PyKey = string | number | boolean | null;
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | StorageRef
  | TensorValue
  | Allowed;

const STORAGES: Record<string, Dtype> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

function resolveGlobal(module: string, name: string): Allowed {
  const q = `${module}.${name}`;
  if (module === 'collections' && name === 'OrderedDict') return new Allowed('ordered-dict', q);
  if (module === 'torch._utils' && name === '_rebuild_tensor_v2') return new Allowed('rebuild-tensor', q);
  if (module === 'torch._utils' && name === '_rebuild_parameter') return new Allowed('rebuild-parameter', q);
  if (module === 'torch' && Object.prototype.hasOwnProperty.call(STORAGES, name)) return new Allowed('storage', q, STORAGES[name]!);
  throw new PickleError(
    `it names ${q}, which is not a tensor storage or a plain container; only tensors, dicts, lists, numbers and strings are read from a checkpoint, so it is refused`,
  );
}

const MARK = Symbol('mark');
type StackItem = PyValue | typeof MARK;

function asInt(v: PyValue, what: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  throw new PickleError(`${what} is not an integer`);
}

function intTuple(v: PyValue, what: string): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items) throw new PickleError(`${what} is not a tuple`);
  return items.map((x, i) => asInt(x, `${what}[${i}]`));
}

function call(fn: PyValue, args: PyValue, persisted: boolean): PyValue {
  if (!(fn instanceof Allowed)) throw new PickleError('it calls something that is not a known constructor');
  const a = args instanceof PyTuple ? args.items : null;
  if (!a) throw new PickleError(`the arguments of ${fn.qualified} are not a tuple`);
  switch (fn.kind) {
    case 'ordered-dict': {
      const d = new PyDict();
      // OrderedDict(iterable of pairs) is possible but torch writes OrderedDict() and SETITEMS.
      if (a.length > 0) {
        const pairs = a[0];
        if (!Array.isArray(pairs)) throw new PickleError('OrderedDict is built from something that is not a list of pairs');
        for (const p of pairs) {
          const kv = p instanceof PyTuple ? p.items : null;
          if (!kv || kv.length !== 2) throw new PickleError('OrderedDict is built from a malformed pair');
          d.map.set(dictKey(kv[0]!), kv[1]!);
        }
      }
      return d;
    }
    case 'rebuild-tensor': {
      // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      const [storage, offset, size, stride] = a;
      if (!(storage instanceof StorageRef)) throw new PickleError('_rebuild_tensor_v2 gets something that is not a storage');
      return new TensorValue(storage, asInt(offset ?? null, 'storage_offset'), intTuple(size ?? null, 'size'), intTuple(stride ?? null, 'stride'));
    }
    case 'rebuild-parameter': {
      // _rebuild_parameter(data, requires_grad, backward_hooks): a Parameter is its tensor.
      const [data] = a;
      if (!(data instanceof TensorValue)) throw new PickleError('_rebuild_parameter gets something that is not a tensor');
      return data;
    }
    case 'storage':
      if (!persisted) throw new PickleError(`${fn.qualified} is called outside a persistent id`);
      throw new PickleError(`${fn.qualified} is called directly`);
  }
}

function dictKey(v: PyValue): PyKey {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  if (typeof v === 'bigint') return Number(v);
  throw new PickleError('a dict key is not a string or a number');
}

/** persistent_load: ('storage', torch.<Type>Storage, key, location, numel). */
function persistentLoad(pid: PyValue): StorageRef {
  const t = pid instanceof PyTuple ? pid.items : null;
  if (!t || t.length < 5 || t[0] !== 'storage') throw new PickleError('a persistent id is not a storage reference');
  const type = t[1];
  if (!(type instanceof Allowed) || type.kind !== 'storage' || type.dtype === null) {
    throw new PickleError('a persistent id names a storage type that is not a torch storage');
  }
  if (typeof t[2] !== 'string' || !/^[A-Za-z0-9_]+$/.test(t[2])) throw new PickleError('a storage key is not a plain name');
  return new StorageRef(type.dtype, t[2], typeof t[3] === 'string' ? t[3] : '', asInt(t[4]!, 'storage size'));
}

/** Reads one pickle. Throws PickleError naming the problem (a refused name, an opcode, damage). */
export function unpickle(data: Uint8Array): PyValue {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: StackItem[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > data.length) throw new PickleError(`it ends early (at byte ${data.length}, an opcode needs ${n} more)`);
  };
  const u8 = () => (need(1), data[pos++]!);
  const u16 = () => (need(2), (pos += 2), dv.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), dv.getUint32(pos - 4, true));
  const u64 = () => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(data.length)) throw new PickleError('a length field is larger than the pickle');
    return Number(v);
  };
  const bytes = (n: number) => (need(n), (pos += n), data.subarray(pos - n, pos));
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new PickleError('its stack underflows');
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new PickleError('its stack underflows');
    return v;
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) throw new PickleError('it pops a mark that was never set');
    const items = stack.splice(m) as PyValue[];
    if (items.some((x) => (x as StackItem) === MARK)) throw new PickleError('its marks are unbalanced');
    return items;
  };
  const setItems = (target: PyValue, items: PyValue[]) => {
    if (!(target instanceof PyDict)) throw new PickleError('it sets items on something that is not a dict');
    for (let i = 0; i + 1 < items.length; i += 2) target.map.set(dictKey(items[i]!), items[i + 1]!);
  };
  const long = (n: number): number | bigint => {
    const b = bytes(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (n > 0 && (b[n - 1]! & 0x80) !== 0) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new PickleError('it uses a pickle protocol above 5');
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) throw new PickleError(`it stops with ${stack.length} values on its stack`);
        return pop();
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        if (stack.length > 0 && stack[stack.length - 1] === MARK) {
          stack.pop();
          marks.pop();
        } else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88:
        stack.push(true);
        break;
      case 0x89:
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(dv.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(long(u8()));
        break;
      case 0x8b: {
        // LONG4
        const n = u32();
        if (n > 64) throw new PickleError('it holds an integer longer than 64 bytes');
        stack.push(long(n));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(dv.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x8c: // SHORT_BINUNICODE
      case 0x58: // BINUNICODE
      case 0x8d: {
        // BINUNICODE8
        const raw = bytes(op === 0x8c ? u8() : op === 0x58 ? u32() : u64());
        try {
          stack.push(utf8.decode(raw));
        } catch {
          throw new PickleError('it holds a string that is not UTF-8');
        }
        break;
      }
      case 0x55: // SHORT_BINSTRING (Python 2 str)
      case 0x54: // BINSTRING
        stack.push(latin1.decode(bytes(op === 0x55 ? u8() : u32())));
        break;
      case 0x43: // SHORT_BINBYTES
      case 0x42: // BINBYTES
      case 0x8e: // BINBYTES8
        stack.push(bytes(op === 0x43 ? u8() : op === 0x42 ? u32() : u64()).slice());
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: // TUPLE
        stack.push(new PyTuple(popMark()));
        break;
      case 0x85:
      case 0x86:
      case 0x87: {
        // TUPLE1..3
        const n = op - 0x84;
        const items: PyValue[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop());
        stack.push(new PyTuple(items));
        break;
      }
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        const l = top();
        if (!Array.isArray(l)) throw new PickleError('it appends to something that is not a list');
        l.push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = top();
        if (!Array.isArray(l)) throw new PickleError('it appends to something that is not a list');
        l.push(...items);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) throw new PickleError(`it reads memo entry ${k}, which was never written`);
        stack.push(memo.get(k)!);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const line = () => {
          const end = data.indexOf(0x0a, pos);
          if (end < 0) throw new PickleError('it ends inside a GLOBAL');
          const s = latin1.decode(data.subarray(pos, end));
          pos = end + 1;
          return s;
        };
        const module = line();
        stack.push(resolveGlobal(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError('STACK_GLOBAL gets names that are not strings');
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args, false));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        stack.push(call(pop(), args, false));
        break;
      }
      case 0x62: {
        // BUILD: only an OrderedDict's attribute state (torch's `_metadata` of a state dict), which is ignored.
        pop();
        if (!(top() instanceof PyDict)) throw new PickleError('it sets the state of something that is not a dict');
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistentLoad(pop()));
        break;
      default:
        throw new PickleError(`it uses pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}, which a state dict does not need`);
    }
  }
}
