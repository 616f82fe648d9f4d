// rfm-lab native backend: dense kernels over OpenBLAS (cblas) and LAPACKE, float32 and float64, on the typed arrays'
// own memory (no copies). Every heavy call returns a Promise and runs on a libuv worker thread (Napi::AsyncWorker);
// small calls (see Run) run synchronously to skip the thread-pool hop but still return a Promise.
//
// Matrices are row-major. The TypeScript wrapper (src/linalg/backends/native.ts) runs the shared argument checks;
// this file re-checks only what protects memory (array kinds and lengths), throwing TypeError / RangeError.

#include <napi.h>

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

// Declared by OpenBLAS's cblas.h; repeated here so another cblas.h on the include path still compiles.
extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
char* openblas_get_corename(void);
}

namespace {

// Bumped whenever the JS-visible interface changes, so a stale build is reported instead of misused.
constexpr int kAbi = 3;
// Below this many flops a call runs on the calling thread (the thread-pool hop costs more than the work).
constexpr double kSyncFlops = 64.0 * 64.0 * 64.0;
// With two or more BLAS threads a call up to this size (~1 ms) also runs on the calling thread: it uses the cores
// itself, and the hop (a wake-up of a pool thread and of the event loop, each a scheduling delay on a busy machine)
// is paid twice per call, ~15 calls per RFM iteration at n = 640, d = 100. With one BLAS thread per call (concurrent
// trials, bench:scaling) calls stay on the pool so that callers overlap.
constexpr double kSyncFlopsThreaded = 1.5e8;

// ---------------------------------------------------------------------------------------------------------------
// BLAS / LAPACK by element type.

template <typename T>
struct Blas;

template <>
struct Blas<float> {
  static constexpr const char* prefix = "s";
  static void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha, const float* a, int lda,
                   const float* b, int ldb, float beta, float* c, int ldc) {
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  static void syrk(CBLAS_TRANSPOSE t, int n, int k, float alpha, const float* a, int lda, float beta, float* c,
                   int ldc) {
    cblas_ssyrk(CblasRowMajor, CblasLower, t, n, k, alpha, a, lda, beta, c, ldc);
  }
  static int potrf(int n, float* a) {
    // Column-major upper on the row-major buffer is the row-major lower factor, with no transposing copy
    // (row-major LAPACKE_spotrf would copy the matrix: measured 12-30% slower).
    return LAPACKE_spotrf_work(LAPACK_COL_MAJOR, 'U', n, a, n);
  }
  // Column-major, left side: the row-major lower L is the column-major upper U = L', so L X = B is U' X = B.
  static void trsm(CBLAS_TRANSPOSE t, int n, int m, const float* l, float* b) {
    cblas_strsm(CblasColMajor, CblasLeft, CblasUpper, t == CblasNoTrans ? CblasTrans : CblasNoTrans, CblasNonUnit, n, m,
                1.0f, l, n, b, n);
  }
};

template <>
struct Blas<double> {
  static constexpr const char* prefix = "d";
  static void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, double alpha, const double* a, int lda,
                   const double* b, int ldb, double beta, double* c, int ldc) {
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  static void syrk(CBLAS_TRANSPOSE t, int n, int k, double alpha, const double* a, int lda, double beta, double* c,
                   int ldc) {
    cblas_dsyrk(CblasRowMajor, CblasLower, t, n, k, alpha, a, lda, beta, c, ldc);
  }
  static int potrf(int n, double* a) { return LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', n, a, n); }
  static void trsm(CBLAS_TRANSPOSE t, int n, int m, const double* l, double* b) {
    cblas_dtrsm(CblasColMajor, CblasLeft, CblasUpper, t == CblasNoTrans ? CblasTrans : CblasNoTrans, CblasNonUnit, n, m,
                1.0, l, n, b, n);
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Plain loops.

// Calls pair(i, j) for every i > j of an n x n matrix, in cache-sized 64 x 64 tiles (row-major: (i, j) and (j, i)
// are a tile apart, so each tile pair stays in cache).
template <typename Pair>
inline __attribute__((always_inline)) void ForLowerTiles(int64_t n, Pair pair) {
  constexpr int64_t B = 64;
  for (int64_t ib = 0; ib < n; ib += B) {
    const int64_t ie = std::min(ib + B, n);
    for (int64_t jb = 0; jb <= ib; jb += B) {
      for (int64_t i = ib; i < ie; i++) {
        const int64_t je = std::min(jb + B, i);
        for (int64_t j = jb; j < je; j++) pair(i, j);
      }
    }
  }
}

// Copies the strict lower triangle of the row-major n x n matrix c onto its upper triangle.
template <typename T>
void MirrorLower(T* c, int64_t n) {
  ForLowerTiles(n, [c, n](int64_t i, int64_t j) { c[j * n + i] = c[i * n + j]; });
}

template <typename T>
void ZeroStrictUpper(T* a, int64_t n) {
  for (int64_t i = 0; i + 1 < n; i++) std::memset(a + i * n + i + 1, 0, sizeof(T) * static_cast<size_t>(n - i - 1));
}

// dst (cols x rows, row-major) = src' for src rows x cols row-major, in cache-sized tiles.
template <typename T>
void Transpose(const T* src, T* dst, int64_t rows, int64_t cols) {
  constexpr int64_t B = 32;
  for (int64_t ib = 0; ib < rows; ib += B) {
    const int64_t ie = std::min(ib + B, rows);
    for (int64_t jb = 0; jb < cols; jb += B) {
      const int64_t je = std::min(jb + B, cols);
      for (int64_t i = ib; i < ie; i++)
        for (int64_t j = jb; j < je; j++) dst[j * rows + i] = src[i * cols + j];
    }
  }
}

// Solves op(L) X = B in place on the row-major n x m B. OpenBLAS's left-side column-major trsm is much faster than
// the row-major one (which it runs as a right-side solve: 54 vs 32 ms at n = 4000, m = 60), so B goes through a
// column-major copy; a single column needs none.
template <typename T>
void SolveLower(bool trans, int64_t n, int64_t m, const T* l, T* b) {
  const CBLAS_TRANSPOSE t = trans ? CblasTrans : CblasNoTrans;
  if (m == 1) {
    Blas<T>::trsm(t, (int)n, 1, l, b);
    return;
  }
  std::vector<T> col(static_cast<size_t>(n * m));
  Transpose(b, col.data(), n, m);
  Blas<T>::trsm(t, (int)n, (int)m, l, col.data());
  Transpose(col.data(), b, m, n);
}

template <typename T>
void Scale(T* c, int64_t count, double beta) {
  if (beta == 0) {
    std::fill(c, c + count, T(0));
  } else if (beta != 1) {
    for (int64_t i = 0; i < count; i++) c[i] = static_cast<T>(beta * c[i]);
  }
}

struct KernelParams {
  double invL;
  double q;
  double tol;
};

// exp(x) for x <= 0 (NaN stays NaN), branch-free so that the distance loops below vectorise: std::exp is a libm
// call per entry (~15 ns each, 6 ms per 640 x 640 kernel with weights, the RFM's largest elementwise step).
// Cody-Waite reduction x = n ln2 + r with fdlibm's split ln2 (n ln2hi is exact), |r| <= ln2 / 2, then the degree-13
// Taylor polynomial (truncation < 1e-17 relative): within ~2 ulp of the JS reference's Math.exp. 2^n is applied in
// two halves, so results down to the subnormals round once, like libm's; x is clamped at -1000, whose exp rounds to
// 0 as libm's does.
inline __attribute__((always_inline)) double Bits2Pow(double m) {
  // m is an integer in [-1022, 1023]: adding 1.5 * 2^52 puts it in the low mantissa bits, read off as an integer.
  constexpr double kMagic = 6755399441055744.0;
  const double t = m + kMagic;
  int64_t bits, magic;
  std::memcpy(&bits, &t, sizeof bits);
  std::memcpy(&magic, &kMagic, sizeof magic);
  const int64_t e = (bits - magic + 1023) << 52;
  double r;
  std::memcpy(&r, &e, sizeof r);
  return r;
}

inline __attribute__((always_inline)) double ExpNonPositive(double x) {
  constexpr double kMagic = 6755399441055744.0;  // 1.5 * 2^52: (v + kMagic) - kMagic rounds v to an integer
  x = x < -1000.0 ? -1000.0 : x;
  const double n = (x * 1.4426950408889634 + kMagic) - kMagic;
  const double r = (x - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10;
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const double n1 = (n * 0.5 + kMagic) - kMagic;
  return p * Bits2Pow(n1) * Bits2Pow(n - n1);
}

// The rules of src/linalg/distance-kernel.ts, evaluated in double like the JS reference (whose float32 path reads
// float32 values into doubles and rounds only on the store), so both agree up to exp/pow rounding. q = 1 (Laplace)
// and q = 2 (Gaussian) have branch-free loops that vectorise (`omp simd`: K may alias the Gram matrix, but each
// entry is read before it is written); other q keep the scalar libm path.
template <typename T, int Q, bool HasW>
inline __attribute__((always_inline)) void DistanceKernelRowsQ(const T* gram, const T* pa, const T* pb, int64_t cols,
                                                               int64_t r0, int64_t r1, const KernelParams& p,
                                                               T* kernel, T* weights) {
  const double invL = p.invL, tol = p.tol;
  for (int64_t i = r0; i < r1; i++) {
    const double ai = pa[i];
    const T* g = gram + i * cols;
    T* k = kernel + i * cols;
    T* w = weights + i * cols;
#pragma omp simd
    for (int64_t j = 0; j < cols; j++) {
      const double scale = ai + static_cast<double>(pb[j]);
      double d2 = scale - 2.0 * static_cast<double>(g[j]);
      d2 = d2 <= tol * scale ? 0.0 : d2;
      double kv;
      if (Q == 1) {
        const double dist = std::sqrt(d2);
        kv = ExpNonPositive(-dist * invL);
        if (HasW) w[j] = static_cast<T>(dist == 0 ? 0.0 : kv / dist);
      } else {
        kv = ExpNonPositive(-d2 * invL * invL);
        if (HasW) w[j] = static_cast<T>(kv);
      }
      k[j] = static_cast<T>(kv);
    }
  }
}

// DistanceKernelRowsQ compiled for the baseline ISA and, on x86-64, for AVX2 and AVX-512 (picked at run time: 2, 4
// or 8 doubles per vector; measured 3.5, 1.5 and 0.7 ms for a 640 x 640 Laplace kernel with weights). The results
// are the same bits on every path: the loop has no fused multiply-adds (binding.gyp sets -ffp-contract=off) and its
// sqrt and division are correctly rounded.
#define RFM_KERNEL_ROWS_ARGS                                                                                      \
  const T *gram, const T *pa, const T *pb, int64_t cols, int64_t r0, int64_t r1, const KernelParams &p, T *kernel, \
      T *weights
template <typename T, int Q, bool HasW>
void KernelRowsBase(RFM_KERNEL_ROWS_ARGS) {
  DistanceKernelRowsQ<T, Q, HasW>(gram, pa, pb, cols, r0, r1, p, kernel, weights);
}
#if defined(__x86_64__) && defined(__GNUC__)
template <typename T, int Q, bool HasW>
__attribute__((target("avx2"))) void KernelRowsAvx2(RFM_KERNEL_ROWS_ARGS) {
  DistanceKernelRowsQ<T, Q, HasW>(gram, pa, pb, cols, r0, r1, p, kernel, weights);
}
template <typename T, int Q, bool HasW>
__attribute__((target("avx512f,avx512dq,avx512vl,prefer-vector-width=512"))) void KernelRowsAvx512(
    RFM_KERNEL_ROWS_ARGS) {
  DistanceKernelRowsQ<T, Q, HasW>(gram, pa, pb, cols, r0, r1, p, kernel, weights);
}
#endif

template <typename T, int Q, bool HasW>
void KernelRowsBest(RFM_KERNEL_ROWS_ARGS) {
#if defined(__x86_64__) && defined(__GNUC__)
  static const int isa = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                                 __builtin_cpu_supports("avx512vl")
                             ? 2
                             : __builtin_cpu_supports("avx2") ? 1 : 0;
  if (isa == 2) return KernelRowsAvx512<T, Q, HasW>(gram, pa, pb, cols, r0, r1, p, kernel, weights);
  if (isa == 1) return KernelRowsAvx2<T, Q, HasW>(gram, pa, pb, cols, r0, r1, p, kernel, weights);
#endif
  KernelRowsBase<T, Q, HasW>(gram, pa, pb, cols, r0, r1, p, kernel, weights);
}
#undef RFM_KERNEL_ROWS_ARGS

template <typename T>
void DistanceKernelRows(const T* gram, const T* pa, const T* pb, int64_t cols, int64_t r0, int64_t r1,
                        const KernelParams& p, T* kernel, T* weights) {
  const double q = p.q, invL = p.invL, tol = p.tol;
  if (q == 1.0) {
    if (weights) KernelRowsBest<T, 1, true>(gram, pa, pb, cols, r0, r1, p, kernel, weights);
    else KernelRowsBest<T, 1, false>(gram, pa, pb, cols, r0, r1, p, kernel, weights);
    return;
  }
  if (q == 2.0) {
    if (weights) KernelRowsBest<T, 2, true>(gram, pa, pb, cols, r0, r1, p, kernel, weights);
    else KernelRowsBest<T, 2, false>(gram, pa, pb, cols, r0, r1, p, kernel, weights);
    return;
  }
  for (int64_t i = r0; i < r1; i++) {
    const double ai = pa[i];
    const int64_t off = i * cols;
    for (int64_t j = 0; j < cols; j++) {
      const double scale = ai + static_cast<double>(pb[j]);
      double d2 = scale - 2.0 * static_cast<double>(gram[off + j]);
      if (d2 <= tol * scale) d2 = 0;
      const double dist = std::sqrt(d2);
      const double k = std::exp(-std::pow(dist * invL, q));
      kernel[off + j] = static_cast<T>(k);
      if (weights) weights[off + j] = static_cast<T>(dist == 0 ? 0 : k * std::pow(dist, q - 2));
    }
  }
}

int BlasThreads() { return std::max(1, openblas_get_num_threads()); }

// Splits rows over `threads` threads (the calling one included).
void ParallelRows(int64_t rows, int threads, const std::function<void(int64_t, int64_t)>& body) {
  threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, rows)));
  if (threads == 1) {
    body(0, rows);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  const int64_t chunk = (rows + threads - 1) / threads;
  for (int t = 1; t < threads; t++) {
    const int64_t r0 = t * chunk, r1 = std::min(rows, r0 + chunk);
    if (r0 < r1) pool.emplace_back(body, r0, r1);
  }
  body(0, std::min(rows, chunk));
  for (auto& th : pool) th.join();
}

// ---------------------------------------------------------------------------------------------------------------
// Argument handling.

enum class Kind { F32, F64 };

struct Arr {
  Kind kind;
  void* data;
  size_t length;
  Napi::Object object;
};

Arr GetArray(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value v = info[index];
  if (!v.IsTypedArray()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float32Array or Float64Array");
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  const napi_typedarray_type t = ta.TypedArrayType();
  if (t != napi_float32_array && t != napi_float64_array) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float32Array or Float64Array");
  }
  Arr a;
  a.kind = t == napi_float32_array ? Kind::F32 : Kind::F64;
  a.length = ta.ElementLength();
  a.object = ta;
  if (t == napi_float32_array) {
    a.data = v.As<Napi::Float32Array>().Data();
  } else {
    a.data = v.As<Napi::Float64Array>().Data();
  }
  return a;
}

int64_t GetDim(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value v = info[index];
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 2147483647.0 || d != std::floor(d)) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be an integer in [0, 2^31)");
  }
  return static_cast<int64_t>(d);
}

double GetNumber(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value v = info[index];
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

bool GetBool(const Napi::CallbackInfo& info, size_t index) { return info[index].ToBoolean().Value(); }

void Need(const Napi::CallbackInfo& info, const Arr& a, int64_t count, const char* name) {
  if (static_cast<int64_t>(a.length) < count) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " has " + std::to_string(a.length) +
                                                " values, the call needs " + std::to_string(count));
  }
}

void SameKind(const Napi::CallbackInfo& info, const Arr& a, const Arr& b, const char* what) {
  if (a.kind != b.kind) throw Napi::TypeError::New(info.Env(), std::string(what) + ": arrays mix float32 and float64");
}

// Runs `work` (returning a number the Promise resolves to) off the main thread, keeping `keep` alive meanwhile.
class Job : public Napi::AsyncWorker {
 public:
  Job(Napi::Env env, std::function<double()> work, const std::vector<Napi::Object>& keep)
      : Napi::AsyncWorker(env, "rfm_native"), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)) {
    for (const auto& o : keep) refs_.push_back(Napi::Persistent(o));
  }
  ~Job() override {
    for (auto& r : refs_) r.Reset();
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      result_ = work_();
    } catch (const std::exception& e) {
      SetError(e.what());
    } catch (...) {
      SetError("native worker failed");
    }
  }
  void OnOK() override { deferred_.Resolve(Napi::Number::New(Env(), result_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<double()> work_;
  std::vector<Napi::ObjectReference> refs_;
  double result_ = 0;
};

// Set by setInline on a JavaScript thread that has a core to itself (a worker of the scaling test running one trial at
// a time): its calls all run on it, as the hop to the pool would only add two wake-ups and a busier pool.
thread_local bool tInline = false;

Napi::Value Run(Napi::Env env, double flops, std::function<double()> work, const std::vector<Napi::Object>& keep) {
  if (tInline || flops < kSyncFlops || (flops < kSyncFlopsThreaded && BlasThreads() >= 2)) {
    auto deferred = Napi::Promise::Deferred::New(env);
    try {
      deferred.Resolve(Napi::Number::New(env, work()));
    } catch (const std::exception& e) {
      deferred.Reject(Napi::Error::New(env, e.what()).Value());
    }
    return deferred.Promise();
  }
  Job* job = new Job(env, std::move(work), keep);
  Napi::Promise p = job->Promise();
  job->Queue();
  return p;
}

// ---------------------------------------------------------------------------------------------------------------
// Exports.

// gemm(A, B, C, m, n, k, transA, transB, alpha, beta): C = alpha op(A) op(B) + beta C, all row-major.
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Arr A = GetArray(info, 0, "A"), B = GetArray(info, 1, "B"), C = GetArray(info, 2, "C");
  SameKind(info, A, B, "gemm");
  SameKind(info, A, C, "gemm");
  const int64_t m = GetDim(info, 3, "m"), n = GetDim(info, 4, "n"), k = GetDim(info, 5, "k");
  const bool ta = GetBool(info, 6), tb = GetBool(info, 7);
  const double alpha = GetNumber(info, 8, "alpha"), beta = GetNumber(info, 9, "beta");
  Need(info, A, m * k, "A");
  Need(info, B, k * n, "B");
  Need(info, C, m * n, "C");
  const int lda = static_cast<int>(std::max<int64_t>(1, ta ? m : k));
  const int ldb = static_cast<int>(std::max<int64_t>(1, tb ? k : n));
  const int ldc = static_cast<int>(std::max<int64_t>(1, n));
  const CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans, TB = tb ? CblasTrans : CblasNoTrans;
  const Kind kind = A.kind;
  void *a = A.data, *b = B.data, *c = C.data;
  auto work = [=]() -> double {
    if (m == 0 || n == 0) return 0;
    if (k == 0) {
      if (kind == Kind::F32) Scale(static_cast<float*>(c), m * n, beta);
      else Scale(static_cast<double*>(c), m * n, beta);
      return 0;
    }
    if (kind == Kind::F32) {
      Blas<float>::gemm(TA, TB, (int)m, (int)n, (int)k, (float)alpha, (const float*)a, lda, (const float*)b, ldb,
                        (float)beta, (float*)c, ldc);
    } else {
      Blas<double>::gemm(TA, TB, (int)m, (int)n, (int)k, alpha, (const double*)a, lda, (const double*)b, ldb, beta,
                         (double*)c, ldc);
    }
    return 0;
  };
  return Run(info.Env(), 2.0 * m * n * k, work, {A.object, B.object, C.object});
}

// syrk(A, C, n, k, trans, alpha, beta): C = alpha A A' + beta C (A is n x k), or with trans alpha A' A + beta C
// (A is k x n); both triangles of C are written (beta reads the lower one, like the js reference).
Napi::Value Syrk(const Napi::CallbackInfo& info) {
  Arr A = GetArray(info, 0, "A"), C = GetArray(info, 1, "C");
  SameKind(info, A, C, "syrk");
  const int64_t n = GetDim(info, 2, "n"), k = GetDim(info, 3, "k");
  const bool trans = GetBool(info, 4);
  const double alpha = GetNumber(info, 5, "alpha"), beta = GetNumber(info, 6, "beta");
  Need(info, A, n * k, "A");
  Need(info, C, n * n, "C");
  const int lda = static_cast<int>(std::max<int64_t>(1, trans ? n : k));
  const int ldc = static_cast<int>(std::max<int64_t>(1, n));
  const CBLAS_TRANSPOSE T = trans ? CblasTrans : CblasNoTrans;
  const Kind kind = A.kind;
  void *a = A.data, *c = C.data;
  auto work = [=]() -> double {
    if (n == 0) return 0;
    if (kind == Kind::F32) {
      Blas<float>::syrk(T, (int)n, (int)k, (float)alpha, (const float*)a, lda, (float)beta, (float*)c, ldc);
      MirrorLower(static_cast<float*>(c), n);
    } else {
      Blas<double>::syrk(T, (int)n, (int)k, alpha, (const double*)a, lda, beta, (double*)c, ldc);
      MirrorLower(static_cast<double*>(c), n);
    }
    return 0;
  };
  return Run(info.Env(), 1.0 * n * n * k, work, {A.object, C.object});
}

// Whether row r (count values) holds only finite numbers; branch-free, and `omp simd` lets the sum be reordered (any
// order gives 0 or NaN) so the loop vectorizes: measured 0.32 -> 0.07 ms for a 640 x 640 float32 matrix.
template <typename T>
bool FiniteRow(const T* r, int64_t count) {
  T acc = 0;
#pragma omp simd reduction(+ : acc)
  for (int64_t j = 0; j < count; j++) acc += r[j] - r[j];  // 0 for finite values, NaN for NaN and +-Infinity
  return acc == 0;
}

// Checks the whole of src for NaN/Infinity and, when dst is another buffer, copies src's lower triangle to dst with
// the strict upper triangle zeroed, in one pass. Returns false at the first row holding a non-finite value.
// Split over the BLAS threads: on a fresh output most of the time goes to page faults, which run in parallel.
template <typename T>
bool CheckAndCopy(const T* src, T* dst, int64_t n) {
  std::atomic<bool> ok{true};
  const int threads = n * n >= (1 << 20) ? BlasThreads() : 1;
  ParallelRows(n, threads, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1 && ok.load(std::memory_order_relaxed); i++) {
      const T* r = src + i * n;
      if (!FiniteRow(r, n)) {
        ok = false;
        return;
      }
      if (dst != src) {
        std::memcpy(dst + i * n, r, sizeof(T) * static_cast<size_t>(i + 1));
        std::memset(dst + i * n + i + 1, 0, sizeof(T) * static_cast<size_t>(n - i - 1));
      }
    }
  });
  return ok;
}

// potrf(src, dst, n): the lower Cholesky factor of src (row-major; only its lower triangle is read, but all of it is
// checked for NaN/Infinity first) written to dst, which may be src itself, with the strict upper triangle zeroed.
// The check, copy and factorization all run in the worker. Resolves to LAPACK's info: 0, or the 1-based column whose
// pivot was not positive (its value left on the diagonal); or -1 when src holds a non-finite value (nothing written).
Napi::Value Potrf(const Napi::CallbackInfo& info) {
  Arr S = GetArray(info, 0, "src"), D = GetArray(info, 1, "dst");
  SameKind(info, S, D, "potrf");
  const int64_t n = GetDim(info, 2, "n");
  Need(info, S, n * n, "src");
  Need(info, D, n * n, "dst");
  const Kind kind = S.kind;
  void *src = S.data, *dst = D.data;
  auto work = [=]() -> double {
    if (n == 0) return 0;
    int status;
    if (kind == Kind::F32) {
      if (!CheckAndCopy((const float*)src, (float*)dst, n)) return -1;
      status = Blas<float>::potrf((int)n, (float*)dst);
      if (status == 0 && src == dst) ZeroStrictUpper((float*)dst, n);
    } else {
      if (!CheckAndCopy((const double*)src, (double*)dst, n)) return -1;
      status = Blas<double>::potrf((int)n, (double*)dst);
      if (status == 0 && src == dst) ZeroStrictUpper((double*)dst, n);
    }
    if (status < 0) throw std::runtime_error("LAPACKE potrf: argument " + std::to_string(-status) + " is invalid");
    return status;
  };
  std::vector<Napi::Object> keep = {S.object};
  if (dst != src) keep.push_back(D.object);
  return Run(info.Env(), 1.0 * n * n * n / 3.0, work, keep);
}

// trsm(L, B, n, m, trans): B (n x m) is overwritten by the solution X of op(L) X = B, L lower n x n, non-unit.
Napi::Value Trsm(const Napi::CallbackInfo& info) {
  Arr L = GetArray(info, 0, "L"), B = GetArray(info, 1, "B");
  SameKind(info, L, B, "trsm");
  const int64_t n = GetDim(info, 2, "n"), m = GetDim(info, 3, "m");
  const bool trans = GetBool(info, 4);
  Need(info, L, n * n, "L");
  Need(info, B, n * m, "B");
  const Kind kind = L.kind;
  void *l = L.data, *b = B.data;
  auto work = [=]() -> double {
    if (n == 0 || m == 0) return 0;
    if (kind == Kind::F32) SolveLower(trans, n, m, (const float*)l, (float*)b);
    else SolveLower(trans, n, m, (const double*)l, (double*)b);
    return 0;
  };
  return Run(info.Env(), 1.0 * n * n * m, work, {L.object, B.object});
}

// distanceKernel(G, pa, pb, K, W | null, rows, cols, bandwidth, exponent, zeroTol): see DistanceKernelOptions.
// K (and W) may be G itself: each entry is read before it is written.
Napi::Value DistanceKernel(const Napi::CallbackInfo& info) {
  Arr G = GetArray(info, 0, "gram"), PA = GetArray(info, 1, "pa"), PB = GetArray(info, 2, "pb"),
      K = GetArray(info, 3, "kernel");
  const bool hasW = !(info[4].IsNull() || info[4].IsUndefined());
  Arr W = hasW ? GetArray(info, 4, "weights") : K;
  for (const Arr* x : {&PA, &PB, &K, &W}) SameKind(info, G, *x, "distanceKernel");
  const int64_t rows = GetDim(info, 5, "rows"), cols = GetDim(info, 6, "cols");
  KernelParams p;
  p.invL = 1.0 / GetNumber(info, 7, "bandwidth");
  p.q = GetNumber(info, 8, "exponent");
  p.tol = GetNumber(info, 9, "zeroTol");
  Need(info, G, rows * cols, "gram");
  Need(info, PA, rows, "pa");
  Need(info, PB, cols, "pb");
  Need(info, K, rows * cols, "kernel");
  Need(info, W, rows * cols, "weights");
  const Kind kind = G.kind;
  void *g = G.data, *pa = PA.data, *pb = PB.data, *k = K.data, *w = hasW ? W.data : nullptr;
  // Each entry costs an exp (and a pow off q = 1, 2): about 40 flops' worth.
  const double cost = 40.0 * rows * cols;
  auto work = [=]() -> double {
    // Rows are split over the BLAS thread count only from 2^20 entries: measured on 2 cores, the split gains ~20% at
    // 3000 x 3000 and nothing at 640 x 640 (about 1 ms either way; the loop is close to memory-bound).
    const int threads = rows * cols >= (int64_t(1) << 20) ? BlasThreads() : 1;
    ParallelRows(rows, threads, [&](int64_t r0, int64_t r1) {
      if (kind == Kind::F32)
        DistanceKernelRows((const float*)g, (const float*)pa, (const float*)pb, cols, r0, r1, p, (float*)k, (float*)w);
      else
        DistanceKernelRows((const double*)g, (const double*)pa, (const double*)pb, cols, r0, r1, p, (double*)k,
                           (double*)w);
    });
    return 0;
  };
  std::vector<Napi::Object> keep = {G.object, PA.object, PB.object, K.object};
  if (hasW) keep.push_back(W.object);
  return Run(info.Env(), cost, work, keep);
}

// The loop of src/linalg/gradient-coefficients.ts with the same arithmetic (in double, rounded once per stored entry),
// so the backends agree bit for bit. One thread: it is O(m n), and the point is to take it off the main thread so two
// concurrent fits overlap it with each other's BLAS calls.
template <typename T>
void GradientCoefficientsRows(const T* w, const T* a, const T* s, const int32_t* rows, T* b, int64_t m, int64_t n,
                              int64_t c, int64_t k, double kappa, bool centering) {
  for (int64_t r = 0; r < m; r++) {
    const int64_t off = r * n;
    for (int64_t i = 0; i < n; i++)
      b[off + i] = static_cast<T>(kappa * static_cast<double>(w[off + i]) * static_cast<double>(a[i * c + k]));
    const int64_t j = rows ? rows[r] : r;
    b[off + j] = static_cast<T>(static_cast<double>(b[off + j]) - kappa * static_cast<double>(s[r * c + k]));
  }
  if (!centering || m == 0) return;
  std::vector<double> mean(static_cast<size_t>(n), 0.0);
  for (int64_t r = 0; r < m; r++)
    for (int64_t i = 0; i < n; i++) mean[i] += static_cast<double>(b[r * n + i]);
  for (int64_t i = 0; i < n; i++) mean[i] /= static_cast<double>(m);
  for (int64_t r = 0; r < m; r++)
    for (int64_t i = 0; i < n; i++) b[r * n + i] = static_cast<T>(static_cast<double>(b[r * n + i]) - mean[i]);
}

// gradientCoefficients(W_J, A, S, rows | null, B, m, n, c, k, kappa, centering): see GradientCoefficientsOptions.
Napi::Value GradientCoefficients(const Napi::CallbackInfo& info) {
  Arr W = GetArray(info, 0, "wj"), A = GetArray(info, 1, "alpha"), S = GetArray(info, 2, "scores"),
      B = GetArray(info, 4, "out");
  for (const Arr* x : {&A, &S, &B}) SameKind(info, W, *x, "gradientCoefficients");
  const int64_t m = GetDim(info, 5, "m"), n = GetDim(info, 6, "n"), c = GetDim(info, 7, "c"), k = GetDim(info, 8, "output");
  const double kappa = GetNumber(info, 9, "kappa");
  const bool centering = GetBool(info, 10);
  Need(info, W, m * n, "wj");
  Need(info, A, n * c, "alpha");
  Need(info, S, m * c, "scores");
  Need(info, B, m * n, "out");
  if (k >= c) throw Napi::RangeError::New(info.Env(), "output must be below the number of columns of alpha");
  const int32_t* rows = nullptr;
  std::vector<Napi::Object> keep = {W.object, A.object, S.object, B.object};
  if (!(info[3].IsNull() || info[3].IsUndefined())) {
    if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
      throw Napi::TypeError::New(info.Env(), "rows must be an Int32Array or null");
    Napi::Int32Array R = info[3].As<Napi::Int32Array>();
    if (static_cast<int64_t>(R.ElementLength()) < m) throw Napi::RangeError::New(info.Env(), "rows is shorter than m");
    rows = R.Data();
    for (int64_t r = 0; r < m; r++)
      if (rows[r] < 0 || rows[r] >= n) throw Napi::RangeError::New(info.Env(), "rows holds an index outside [0, n)");
    keep.push_back(R);
  } else if (m > n) {
    throw Napi::RangeError::New(info.Env(), "without rows, m must not exceed n");
  }
  const Kind kind = W.kind;
  void *w = W.data, *a = A.data, *s = S.data, *b = B.data;
  auto work = [=]() -> double {
    if (kind == Kind::F32)
      GradientCoefficientsRows((const float*)w, (const float*)a, (const float*)s, rows, (float*)b, m, n, c, k, kappa,
                               centering);
    else
      GradientCoefficientsRows((const double*)w, (const double*)a, (const double*)s, rows, (double*)b, m, n, c, k,
                               kappa, centering);
    return 0;
  };
  // A few flops per entry, weighed like the distance kernel's so that small calls stay on the calling thread.
  return Run(info.Env(), 4.0 * m * n * (centering ? 2 : 1), work, keep);
}

// addColumnSquares(A, rows, cols, out, scale, accumulate): out_j (+)= scale sum_i A_ij^2 with the arithmetic of the
// js reference (elementwise.ts: each row's term added in double, the sum stored in out's type row by row), on a worker
// so that concurrent fits overlap it with each other's BLAS calls.
Napi::Value AddColumnSquares(const Napi::CallbackInfo& info) {
  Arr A = GetArray(info, 0, "A"), O = GetArray(info, 3, "out");
  SameKind(info, A, O, "addColumnSquares");
  const int64_t rows = GetDim(info, 1, "rows"), cols = GetDim(info, 2, "cols");
  const double scale = GetNumber(info, 4, "scale");
  const bool accumulate = GetBool(info, 5);
  Need(info, A, rows * cols, "A");
  Need(info, O, cols, "out");
  const Kind kind = A.kind;
  void *a = A.data, *o = O.data;
  auto work = [=]() -> double {
    auto body = [&](const auto* x, auto* out) {
      using T = std::remove_reference_t<decltype(out[0])>;
      if (!accumulate) std::fill(out, out + cols, T(0));
      for (int64_t i = 0; i < rows; i++) {
        const auto* r = x + i * cols;
        for (int64_t j = 0; j < cols; j++)
          out[j] = static_cast<T>(static_cast<double>(out[j]) + scale * static_cast<double>(r[j]) * static_cast<double>(r[j]));
      }
    };
    if (kind == Kind::F32) body((const float*)a, (float*)o);
    else body((const double*)a, (double*)o);
    return 0;
  };
  return Run(info.Env(), 4.0 * rows * cols, work, {A.object, O.object});
}

// rowSquaredNorms(A, rows, cols, out): synchronous; sums in double in column order, like the js reference.
Napi::Value RowSquaredNorms(const Napi::CallbackInfo& info) {
  Arr A = GetArray(info, 0, "A"), O = GetArray(info, 3, "out");
  SameKind(info, A, O, "rowSquaredNorms");
  const int64_t rows = GetDim(info, 1, "rows"), cols = GetDim(info, 2, "cols");
  Need(info, A, rows * cols, "A");
  Need(info, O, rows, "out");
  auto body = [&](auto* a, auto* out) {
    for (int64_t i = 0; i < rows; i++) {
      double s = 0;
      const auto* r = a + i * cols;
      for (int64_t j = 0; j < cols; j++) s += static_cast<double>(r[j]) * static_cast<double>(r[j]);
      out[i] = static_cast<std::remove_reference_t<decltype(out[i])>>(s);
    }
  };
  if (A.kind == Kind::F32) body((const float*)A.data, (float*)O.data);
  else body((const double*)A.data, (double*)O.data);
  return info.Env().Undefined();
}

// One pass over a row-major rows x cols matrix for the degeneracy checks (src/linalg/value-scan.ts), on the calling
// thread (~0.1 ms at 640 x 640, against ~2-4 ms for the same loop in JavaScript). Bits: 1 some value is NaN or
// +-Infinity; 2 every value is 0; 4 every off-diagonal value v (i != j) has 1 - v <= 1e-12; 8 every off-diagonal value
// is <= 1e-12 (comparisons in double, as in JavaScript). Branch-free over each row so that it vectorises.
template <typename T>
inline __attribute__((always_inline)) int ScanValuesBody(const T* a, int64_t rows, int64_t cols) {
  int nonFinite = 0, nonZero = 0, notOnes = 0, notZeros = 0;
  for (int64_t i = 0; i < rows; i++) {
    const T* r = a + i * cols;
#pragma omp simd reduction(| : nonFinite, nonZero)
    for (int64_t j = 0; j < cols; j++) {
      const double v = static_cast<double>(r[j]);
      nonFinite |= !(v - v == 0);
      nonZero |= v != 0;
    }
    const int64_t diag = i < cols ? i : cols;
    for (int64_t part = 0; part < 2; part++) {
      const int64_t j0 = part == 0 ? 0 : std::min(cols, diag + 1), j1 = part == 0 ? diag : cols;
#pragma omp simd reduction(| : notOnes, notZeros)
      for (int64_t j = j0; j < j1; j++) {
        const double v = static_cast<double>(r[j]);
        notOnes |= 1.0 - v > 1e-12;
        notZeros |= v > 1e-12;
      }
    }
  }
  return (nonFinite ? 1 : 0) | (nonZero ? 0 : 2) | (notOnes ? 0 : 4) | (notZeros ? 0 : 8);
}

// Compiled for AVX-512, AVX2 and the baseline, picked at load time (the loop is memory-bound only when vectorised).
__attribute__((target_clones("avx512f", "avx2", "default"))) int ScanValues(const float* a, int64_t rows, int64_t cols) {
  return ScanValuesBody(a, rows, cols);
}
__attribute__((target_clones("avx512f", "avx2", "default"))) int ScanValues(const double* a, int64_t rows,
                                                                             int64_t cols) {
  return ScanValuesBody(a, rows, cols);
}

// scanValues(A, rows, cols): ScanValues's bits.
Napi::Value ScanValuesExport(const Napi::CallbackInfo& info) {
  Arr A = GetArray(info, 0, "A");
  const int64_t rows = GetDim(info, 1, "rows"), cols = GetDim(info, 2, "cols");
  Need(info, A, rows * cols, "A");
  const int bits = A.kind == Kind::F32 ? ScanValues(static_cast<const float*>(A.data), rows, cols)
                                       : ScanValues(static_cast<const double*>(A.data), rows, cols);
  return Napi::Number::New(info.Env(), bits);
}

// A <- (A + A') / 2 on the row-major n x n A, in cache-sized tiles, with the arithmetic of the js reference
// (elementwise.ts symmetrize: the mean in double, rounded once on the store), so both give the same bits. ~0.1 ms at
// 640 x 640 against ~0.7 ms for the JavaScript loop, once per iteration of a primal fit (X M X').
template <typename T>
void Symmetrize(T* a, int64_t n) {
  ForLowerTiles(n, [a, n](int64_t i, int64_t j) {
    const T v = static_cast<T>(0.5 * (static_cast<double>(a[i * n + j]) + static_cast<double>(a[j * n + i])));
    a[i * n + j] = v;
    a[j * n + i] = v;
  });
}

// symmetrize(A, n): Symmetrize, synchronously.
Napi::Value SymmetrizeExport(const Napi::CallbackInfo& info) {
  Arr A = GetArray(info, 0, "A");
  const int64_t n = GetDim(info, 1, "n");
  Need(info, A, n * n, "A");
  if (A.kind == Kind::F32) Symmetrize(static_cast<float*>(A.data), n);
  else Symmetrize(static_cast<double*>(A.data), n);
  return info.Env().Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const int64_t n = GetDim(info, 0, "threads");
  if (n < 1) throw Napi::RangeError::New(info.Env(), "threads must be >= 1");
  openblas_set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

// setInline(on): whether this JavaScript thread's calls run on it (see tInline); other threads are not affected.
Napi::Value SetInline(const Napi::CallbackInfo& info) {
  tInline = GetBool(info, 0);
  return info.Env().Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), BlasThreads()); }

Napi::Value Config(const Napi::CallbackInfo& info) {
  const char* c = openblas_get_config();
  return Napi::String::New(info.Env(), c ? c : "unknown OpenBLAS");
}

Napi::Value Corename(const Napi::CallbackInfo& info) {
  const char* c = openblas_get_corename();
  return Napi::String::New(info.Env(), c ? c : "unknown");
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abi", Napi::Number::New(env, kAbi));
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("syrk", Napi::Function::New(env, Syrk, "syrk"));
  exports.Set("potrf", Napi::Function::New(env, Potrf, "potrf"));
  exports.Set("trsm", Napi::Function::New(env, Trsm, "trsm"));
  exports.Set("distanceKernel", Napi::Function::New(env, DistanceKernel, "distanceKernel"));
  exports.Set("symmetrize", Napi::Function::New(env, SymmetrizeExport, "symmetrize"));
  exports.Set("gradientCoefficients", Napi::Function::New(env, GradientCoefficients, "gradientCoefficients"));
  exports.Set("addColumnSquares", Napi::Function::New(env, AddColumnSquares, "addColumnSquares"));
  exports.Set("rowSquaredNorms", Napi::Function::New(env, RowSquaredNorms, "rowSquaredNorms"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads, "getThreads"));
  exports.Set("setInline", Napi::Function::New(env, SetInline, "setInline"));
  exports.Set("scanValues", Napi::Function::New(env, ScanValuesExport, "scanValues"));
  exports.Set("config", Napi::Function::New(env, Config, "config"));
  exports.Set("corename", Napi::Function::New(env, Corename, "corename"));
  return exports;
}

}  // namespace

NODE_API_MODULE(rfm_native, Init)
