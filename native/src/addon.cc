// fwctl's native addon: netlink link counters, eBPF plumbing and in-process nft. Every export returns a promise
// and does its work on the thread pool; src/kernel/native.ts validates arguments before calling.
#include <napi.h>

#include <bpf/libbpf.h>

#include <cstring>
#include <memory>

#include "bpf_ops.h"
#include "fd.h"
#include "netlink.h"
#include "nft.h"
#include "nft_elements.h"

namespace fwctl {
namespace {

using Ints = std::vector<int64_t>;

std::vector<uint32_t> U32Array(const Napi::Value& v) {
  std::vector<uint32_t> out;
  if (!v.IsArray()) return out;
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(a.Get(i).As<Napi::Number>().Uint32Value());
  return out;
}

std::vector<uint8_t> Bytes(const Napi::Value& v) {
  if (!v.IsBuffer()) return {};
  auto b = v.As<Napi::Buffer<uint8_t>>();
  return std::vector<uint8_t>(b.Data(), b.Data() + b.Length());
}

Napi::Value IntsToJs(Napi::Env env, Ints& r) {
  Napi::Array a = Napi::Array::New(env, r.size());
  for (size_t i = 0; i < r.size(); i++) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(r[i])));
  return a;
}

Napi::Value Undefined(Napi::Env env, bool&) { return env.Undefined(); }

// Optional argument i: a netlink socket from routeSocket(), or -1 when absent.
int SocketArg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().Int32Value() : -1;
}

// Runs dump on sock, or on a socket opened inside nsFd for this call only when sock < 0.
template <typename R, typename Dump>
void OnRouteSocket(int nsFd, int sock, R& r, SysError& e, Dump dump) {
  if (sock >= 0) {
    dump(sock, r, e);
    return;
  }
  UniqueFd own(OpenRouteSocket(nsFd, e));
  if (own.get() >= 0) dump(own.get(), r, e);
}

// routeSocket(nsFd) → fd of a NETLINK_ROUTE socket bound to that namespace (the caller closes it)
Napi::Value RouteSocketJs(const Napi::CallbackInfo& info) {
  if (!Expect(info, 1)) return info.Env().Undefined();
  int nsFd = info[0].As<Napi::Number>().Int32Value();
  return Run<int>(
      info.Env(), [nsFd](int& r, SysError& e) { r = OpenRouteSocket(nsFd, e); },
      [](Napi::Env env, int& r) -> Napi::Value { return Napi::Number::New(env, r); });
}

// linkStats(nsFd, sock?, into?) → Float64Array [ifindex, rxPackets, txPackets, rxBytes, txBytes, rxDropped, txDropped]*
// The rows are written straight into `into` (from the pool thread) when they fit, and the result
// is a view of it; otherwise the result is a new array over a buffer with room to grow, which the
// caller can pass as `into` next time. The caller must not touch `into` until the promise settles.
Napi::Value LinkStatsJs(const Napi::CallbackInfo& info) {
  if (!Expect(info, 1)) return info.Env().Undefined();
  int nsFd = info[0].As<Napi::Number>().Int32Value();
  int sock = SocketArg(info, 1);
  auto into = std::make_shared<Napi::Reference<Napi::Float64Array>>();
  double* dst = nullptr;
  size_t cap = 0;
  if (info.Length() > 2 && info[2].IsTypedArray() && info[2].As<Napi::TypedArray>().TypedArrayType() == napi_float64_array) {
    auto a = info[2].As<Napi::Float64Array>();
    *into = Napi::Persistent(a);
    dst = a.Data();
    cap = a.ElementLength();
  }
  return Run<StatsRows>(
      info.Env(),
      [nsFd, sock, dst, cap](StatsRows& r, SysError& e) {
        r.dst = dst;
        r.cap = cap;
        OnRouteSocket(nsFd, sock, r, e, DumpLinkStats);
      },
      [into](Napi::Env env, StatsRows& r) -> Napi::Value {
        if (r.overflow.empty()) {
          if (into->IsEmpty()) return Napi::Float64Array::New(env, 0);
          Napi::Float64Array a = into->Value();
          return Napi::Float64Array::New(env, r.size, a.ArrayBuffer(), a.ByteOffset());
        }
        size_t inDst = r.size - r.overflow.size();
        auto buf = Napi::ArrayBuffer::New(env, (r.size + r.size / 4 + 64 * kLinkStatsRow) * sizeof(double));
        auto* out = static_cast<double*>(buf.Data());
        if (inDst) std::memcpy(out, r.dst, inDst * sizeof(double));
        std::memcpy(out + inDst, r.overflow.data(), r.overflow.size() * sizeof(double));
        return Napi::Float64Array::New(env, r.size, buf, 0);
      });
}

// linkNames(nsFd, sock?, ifindexes?) → [{ifindex, master, name}] of every link, or of those given that exist
Napi::Value LinkNamesJs(const Napi::CallbackInfo& info) {
  if (!Expect(info, 1)) return info.Env().Undefined();
  int nsFd = info[0].As<Napi::Number>().Int32Value();
  int sock = SocketArg(info, 1);
  bool some = info.Length() > 2 && info[2].IsArray();
  std::vector<uint32_t> only = some ? U32Array(info[2]) : std::vector<uint32_t>{};
  return Run<std::vector<LinkName>>(
      info.Env(),
      [nsFd, sock, some, only](std::vector<LinkName>& r, SysError& e) {
        OnRouteSocket(nsFd, sock, r, e, [&](int s, std::vector<LinkName>& out, SysError& err) {
          return some ? GetLinkNames(s, only, out, err) : DumpLinkNames(s, out, err);
        });
      },
      [](Napi::Env env, std::vector<LinkName>& r) -> Napi::Value {
        Napi::Array a = Napi::Array::New(env, r.size());
        for (size_t i = 0; i < r.size(); i++) {
          Napi::Object o = Napi::Object::New(env);
          o.Set("ifindex", r[i].ifindex);
          o.Set("master", r[i].master);
          o.Set("name", r[i].name);
          a.Set(static_cast<uint32_t>(i), o);
        }
        return a;
      });
}

Napi::Value MountBpffsJs(const Napi::CallbackInfo& info) {
  if (!Expect(info, 1)) return info.Env().Undefined();
  std::string path = info[0].As<Napi::String>();
  return Run<bool>(info.Env(), [path](bool&, SysError& e) { MountBpffs(path, e); }, Undefined);
}

// loadObject(path, pinDir) → program names (pinned at pinDir/<name>)
Napi::Value LoadObjectJs(const Napi::CallbackInfo& info) {
  if (!Expect(info, 2)) return info.Env().Undefined();
  std::string path = info[0].As<Napi::String>();
  std::string pinDir = info[1].As<Napi::String>();
  using Names = std::vector<std::string>;
  return Run<Names>(
      info.Env(), [path, pinDir](Names& r, SysError& e) { LoadObject(path, pinDir, r, e); },
      [](Napi::Env env, Names& r) -> Napi::Value {
        Napi::Array a = Napi::Array::New(env, r.size());
        for (size_t i = 0; i < r.size(); i++) a.Set(static_cast<uint32_t>(i), r[i]);
        return a;
      });
}

// tcAttach(nsFd, progPin, ifindexes, ingress, priority) → errno per link
Napi::Value TcAttachJs(const Napi::CallbackInfo& info) {
  if (!Expect(info, 5)) return info.Env().Undefined();
  int nsFd = info[0].As<Napi::Number>().Int32Value();
  std::string pin = info[1].As<Napi::String>();
  auto links = U32Array(info[2]);
  bool ingress = info[3].ToBoolean();
  uint32_t prio = info[4].As<Napi::Number>().Uint32Value();
  return Run<Ints>(info.Env(), [=](Ints& r, SysError& e) { TcAttach(nsFd, pin, links, ingress, prio, r, e); }, IntsToJs);
}

// tcDetach(nsFd, ifindexes, ingress, priority) → errno per link
Napi::Value TcDetachJs(const Napi::CallbackInfo& info) {
  if (!Expect(info, 4)) return info.Env().Undefined();
  int nsFd = info[0].As<Napi::Number>().Int32Value();
  auto links = U32Array(info[1]);
  bool ingress = info[2].ToBoolean();
  uint32_t prio = info[3].As<Napi::Number>().Uint32Value();
  return Run<Ints>(info.Env(), [=](Ints& r, SysError& e) { TcDetach(nsFd, links, ingress, prio, r, e); }, IntsToJs);
}

// tcQuery(nsFd, ifindexes, ingress, priority) → attached program id per link (0 = none)
Napi::Value TcQueryJs(const Napi::CallbackInfo& info) {
  if (!Expect(info, 4)) return info.Env().Undefined();
  int nsFd = info[0].As<Napi::Number>().Int32Value();
  auto links = U32Array(info[1]);
  bool ingress = info[2].ToBoolean();
  uint32_t prio = info[3].As<Napi::Number>().Uint32Value();
  return Run<Ints>(info.Env(), [=](Ints& r, SysError& e) { TcQuery(nsFd, links, ingress, prio, r, e); }, IntsToJs);
}

// xdpAttach(nsFd, ifindex, progPin, flags)
Napi::Value XdpAttachJs(const Napi::CallbackInfo& info) {
  if (!Expect(info, 4)) return info.Env().Undefined();
  int nsFd = info[0].As<Napi::Number>().Int32Value();
  uint32_t ifindex = info[1].As<Napi::Number>().Uint32Value();
  std::string pin = info[2].As<Napi::String>();
  uint32_t flags = info[3].As<Napi::Number>().Uint32Value();
  return Run<bool>(info.Env(), [=](bool&, SysError& e) { XdpAttach(nsFd, ifindex, pin, flags, e); }, Undefined);
}

// xdpDetach(nsFd, ifindex, flags)
Napi::Value XdpDetachJs(const Napi::CallbackInfo& info) {
  if (!Expect(info, 3)) return info.Env().Undefined();
  int nsFd = info[0].As<Napi::Number>().Int32Value();
  uint32_t ifindex = info[1].As<Napi::Number>().Uint32Value();
  uint32_t flags = info[2].As<Napi::Number>().Uint32Value();
  return Run<bool>(info.Env(), [=](bool&, SysError& e) { XdpDetach(nsFd, ifindex, flags, e); }, Undefined);
}

// xdpQuery(nsFd, ifindex, flags) → program id (0 = none)
Napi::Value XdpQueryJs(const Napi::CallbackInfo& info) {
  if (!Expect(info, 3)) return info.Env().Undefined();
  int nsFd = info[0].As<Napi::Number>().Int32Value();
  uint32_t ifindex = info[1].As<Napi::Number>().Uint32Value();
  uint32_t flags = info[2].As<Napi::Number>().Uint32Value();
  return Run<uint32_t>(
      info.Env(), [=](uint32_t& id, SysError& e) { XdpQuery(nsFd, ifindex, flags, id, e); },
      [](Napi::Env env, uint32_t& id) -> Napi::Value { return Napi::Number::New(env, id); });
}

Napi::Value InfoToJs(Napi::Env env, ObjInfo& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", r.id);
  o.Set("type", r.type);
  o.Set("name", r.name);
  o.Set("keySize", r.keySize);
  o.Set("valueSize", r.valueSize);
  o.Set("maxEntries", r.maxEntries);
  return o;
}

// progInfo(id) → {id, type, name, ...}
Napi::Value ProgInfoJs(const Napi::CallbackInfo& info) {
  if (!Expect(info, 1)) return info.Env().Undefined();
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  return Run<ObjInfo>(info.Env(), [=](ObjInfo& r, SysError& e) { ProgInfoById(id, r, e); }, InfoToJs);
}

// pinnedInfo(pin, isMap) → {id, type, name, keySize, valueSize, maxEntries}
Napi::Value PinnedInfoJs(const Napi::CallbackInfo& info) {
  if (!Expect(info, 2)) return info.Env().Undefined();
  std::string pin = info[0].As<Napi::String>();
  bool isMap = info[1].ToBoolean();
  return Run<ObjInfo>(
      info.Env(), [=](ObjInfo& r, SysError& e) { PinnedInfo(pin, isMap, r, e); }, InfoToJs);
}

// mapLookupAll(pin) → {keySize, valueSize, cpus, count, keys: Buffer, values: Buffer}
Napi::Value MapLookupAllJs(const Napi::CallbackInfo& info) {
  if (!Expect(info, 1)) return info.Env().Undefined();
  std::string pin = info[0].As<Napi::String>();
  return Run<MapDump>(
      info.Env(), [=](MapDump& r, SysError& e) { MapLookupAll(pin, r, e); },
      [](Napi::Env env, MapDump& r) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("keySize", r.keySize);
        o.Set("valueSize", r.valueSize);
        o.Set("cpus", r.cpus);
        o.Set("count", r.count);
        o.Set("keys", Napi::Buffer<uint8_t>::Copy(env, r.keys.data(), r.keys.size()));
        o.Set("values", Napi::Buffer<uint8_t>::Copy(env, r.values.data(), r.values.size()));
        return o;
      });
}

// mapWrite(pin, keys, values|null, count, flags) → errno per entry; null values = delete
Napi::Value MapWriteJs(const Napi::CallbackInfo& info) {
  if (!Expect(info, 5)) return info.Env().Undefined();
  std::string pin = info[0].As<Napi::String>();
  auto keys = Bytes(info[1]);
  auto values = Bytes(info[2]);
  uint32_t count = info[3].As<Napi::Number>().Uint32Value();
  uint64_t flags = static_cast<uint64_t>(info[4].As<Napi::Number>().Int64Value());
  return Run<Ints>(
      info.Env(), [=](Ints& r, SysError& e) { MapWrite(pin, keys, values, count, flags, r, e); }, IntsToJs);
}

// nftRun's and nftRunSync's arguments: (netns, input, dryRun).
struct NftRunArgs {
  std::string netns;
  std::string input;
  bool dryRun = false;
};

bool NftRunArguments(const Napi::CallbackInfo& info, NftRunArgs& out) {
  if (!Expect(info, 3)) return false;
  out.netns = info[0].As<Napi::String>().Utf8Value();
  out.input = info[1].As<Napi::String>().Utf8Value();
  out.dryRun = info[2].ToBoolean();
  return true;
}

Napi::Value NftResultJs(Napi::Env env, const NftResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("rc", r.rc);
  o.Set("output", r.output);
  o.Set("error", r.error);
  return o;
}

// nftRun(netns, input, dryRun) → {rc, output, error}; netns "" = the process's own namespace
Napi::Value NftRunJs(const Napi::CallbackInfo& info) {
  NftRunArgs a;
  if (!NftRunArguments(info, a)) return info.Env().Undefined();
  return Run<NftResult>(
      info.Env(), [a = std::move(a)](NftResult& r, SysError& e) { NftRun(a.netns, a.input, a.dryRun, r, e); },
      [](Napi::Env env, NftResult& r) -> Napi::Value { return NftResultJs(env, r); });
}

// nftRunSync(netns, input, dryRun) → {rc, output, error}, on the calling thread. For a worker
// thread that exists to run nft: no async work is left behind if that thread is terminated (an
// AsyncWorker completing into a torn-down environment aborts the process). Throws on SysError.
Napi::Value NftRunSyncJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NftRunArgs a;
  if (!NftRunArguments(info, a)) return env.Undefined();
  NftResult r;
  SysError e;
  NftRun(a.netns, a.input, a.dryRun, r, e);
  if (e.err != 0) {
    MakeError(env, e).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return NftResultJs(env, r);
}

// [{family, table, set, add, keyLen, keys: Buffer, ends: Buffer}] → ElementMsg list; false (with a
// JS exception pending) when a field has the wrong type.
bool ElementMsgs(Napi::Env env, const Napi::Value& v, std::vector<ElementMsg>& out) {
  if (!v.IsArray()) {
    Napi::TypeError::New(env, "fwctl native: element messages must be an array").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value item = a.Get(i);
    if (!item.IsObject()) break;
    Napi::Object o = item.As<Napi::Object>();
    Napi::Value keys = o.Get("keys"), ends = o.Get("ends");
    if (!o.Get("table").IsString() || !o.Get("set").IsString() || !keys.IsBuffer() || !ends.IsBuffer()) break;
    ElementMsg m;
    m.family = static_cast<uint8_t>(o.Get("family").ToNumber().Uint32Value());
    m.table = o.Get("table").As<Napi::String>();
    m.set = o.Get("set").As<Napi::String>();
    m.add = o.Get("add").ToBoolean();
    m.keyLen = o.Get("keyLen").ToNumber().Uint32Value();
    auto kb = keys.As<Napi::Buffer<char>>();
    m.keys.assign(kb.Data(), kb.Length());
    auto eb = ends.As<Napi::Buffer<uint8_t>>();
    m.ends.assign(eb.Data(), eb.Data() + eb.Length());
    out.push_back(std::move(m));
  }
  if (out.size() != a.Length()) {
    Napi::TypeError::New(env, "fwctl native: bad element message").ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

// nftElements' and nftElementsSync's arguments: (netns, msgs).
bool ElementArguments(const Napi::CallbackInfo& info, std::string& netns, std::vector<ElementMsg>& msgs) {
  if (!Expect(info, 2)) return false;
  netns = info[0].As<Napi::String>().Utf8Value();
  return ElementMsgs(info.Env(), info[1], msgs);
}

// nftElementsSync(netns, msgs): one nf_tables batch of set element changes, on the calling thread
// (the daemon's nft worker thread, as nftRunSync). Throws on failure.
Napi::Value NftElementsSyncJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string netns;
  std::vector<ElementMsg> msgs;
  if (!ElementArguments(info, netns, msgs)) return env.Undefined();
  SysError e;
  if (!NftElements(netns, msgs, e)) MakeError(env, e).ThrowAsJavaScriptException();
  return env.Undefined();
}

// nftElements(netns, msgs) → Promise<void>: the same on the thread pool.
Napi::Value NftElementsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string netns;
  std::vector<ElementMsg> msgs;
  if (!ElementArguments(info, netns, msgs)) return env.Undefined();
  return Run<bool>(
      env, [netns, msgs = std::move(msgs)](bool& r, SysError& e) { r = NftElements(netns, msgs, e); },
      [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
}

// nftRelease(netns) → whether a context was freed
Napi::Value NftReleaseJs(const Napi::CallbackInfo& info) {
  if (!Expect(info, 1)) return info.Env().Undefined();
  std::string netns = info[0].As<Napi::String>();
  return Run<bool>(
      info.Env(), [netns](bool& r, SysError&) { r = NftRelease(netns); },
      [](Napi::Env env, bool& r) -> Napi::Value { return Napi::Boolean::New(env, r); });
}

}  // namespace
}  // namespace fwctl

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace fwctl;
  libbpf_set_print(nullptr);  // failures reach JS as errors; libbpf's chatter would go to stderr
  exports.Set("routeSocket", Napi::Function::New(env, RouteSocketJs));
  exports.Set("linkStats", Napi::Function::New(env, LinkStatsJs));
  exports.Set("linkNames", Napi::Function::New(env, LinkNamesJs));
  exports.Set("mountBpffs", Napi::Function::New(env, MountBpffsJs));
  exports.Set("loadObject", Napi::Function::New(env, LoadObjectJs));
  exports.Set("tcAttach", Napi::Function::New(env, TcAttachJs));
  exports.Set("tcDetach", Napi::Function::New(env, TcDetachJs));
  exports.Set("tcQuery", Napi::Function::New(env, TcQueryJs));
  exports.Set("xdpAttach", Napi::Function::New(env, XdpAttachJs));
  exports.Set("xdpDetach", Napi::Function::New(env, XdpDetachJs));
  exports.Set("xdpQuery", Napi::Function::New(env, XdpQueryJs));
  exports.Set("progInfo", Napi::Function::New(env, ProgInfoJs));
  exports.Set("pinnedInfo", Napi::Function::New(env, PinnedInfoJs));
  exports.Set("mapLookupAll", Napi::Function::New(env, MapLookupAllJs));
  exports.Set("mapWrite", Napi::Function::New(env, MapWriteJs));
  exports.Set("nftRun", Napi::Function::New(env, NftRunJs));
  exports.Set("nftRunSync", Napi::Function::New(env, NftRunSyncJs));
  exports.Set("nftElements", Napi::Function::New(env, NftElementsJs));
  exports.Set("nftElementsSync", Napi::Function::New(env, NftElementsSyncJs));
  exports.Set("nftRelease", Napi::Function::New(env, NftReleaseJs));
  return exports;
}

NODE_API_MODULE(fwctl_native, Init)
