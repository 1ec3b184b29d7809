// Runs a task on libuv's thread pool and settles a promise with its result. Failures carry the
// errno and the failing syscall; they become JS errors with `code`, `errno` and `syscall`.
#pragma once
#include <napi.h>

#include <cstring>
#include <functional>
#include <string>
#include <utility>

namespace fwctl {

struct SysError {
  int err = 0;  // positive errno; 0 = success
  std::string syscall;

  bool Set(int e, const char* call) {
    err = e;
    syscall = call;
    return false;
  }
};

inline Napi::Error MakeError(Napi::Env env, const SysError& e) {
  const char* name = strerrorname_np(e.err);
  std::string msg = e.syscall + ": " + strerror(e.err);
  Napi::Error error = Napi::Error::New(env, msg);
  error.Set("code", Napi::String::New(env, name ? name : "EUNKNOWN"));
  error.Set("errno", Napi::Number::New(env, -e.err));
  error.Set("syscall", Napi::String::New(env, e.syscall));
  return error;
}

template <typename R>
class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<void(R&, SysError&)>;
  using ToJs = std::function<Napi::Value(Napi::Env, R&)>;

  PromiseWorker(Napi::Env env, Work work, ToJs toJs)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)), toJs_(std::move(toJs)) {}

  void Execute() override { work_(result_, err_); }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (err_.err != 0) {
      deferred_.Reject(MakeError(env, err_).Value());
    } else {
      deferred_.Resolve(toJs_(env, result_));
    }
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 private:
  Napi::Promise::Deferred deferred_;
  Work work_;
  ToJs toJs_;
  R result_{};
  SysError err_;
};

template <typename R>
Napi::Value Run(Napi::Env env, typename PromiseWorker<R>::Work work,
                typename PromiseWorker<R>::ToJs toJs) {
  auto* worker = new PromiseWorker<R>(env, std::move(work), std::move(toJs));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// Arguments are validated in TypeScript; these guards only keep a bad call from crashing.
inline bool Expect(const Napi::CallbackInfo& info, size_t n) {
  if (info.Length() < n) {
    Napi::TypeError::New(info.Env(), "fwctl native: wrong number of arguments")
        .ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

}  // namespace fwctl
