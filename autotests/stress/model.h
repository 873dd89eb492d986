// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The stress suite's model: what one episode spawned, what it promised, and what the library
// handed back. Task bodies, spawner threads and the owner thread all write here, so every member
// is guarded by `mutex` or atomic. Checks that need the whole episode run in check() at its end;
// checks that must hold at every moment (exactly once, order, limits) run as events arrive.

#ifndef STRESS_MODEL_H
#define STRESS_MODEL_H

#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QVariant>

#include <atomic>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>

namespace Stress {

// A small, fast generator whose sequence depends only on its seed (the standard engines'
// distributions differ between library versions; this does not).
class Rng
{
public:
    explicit Rng(std::uint64_t seed) : m_state(seed ^ 0x9e3779b97f4a7c15ULL) { }
    std::uint64_t next()
    {
        std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    int below(int n) { return n <= 1 ? 0 : int(next() % std::uint64_t(n)); }
    int between(int lo, int hi) { return lo + below(hi - lo + 1); }
    bool chance(int percent) { return below(100) < percent; }

private:
    std::uint64_t m_state;
};

// A task's failure names its task: "stress failure #<id>" (its own exceptions, JavaScript errors)
// or ".../fail/<id>" (a GET the server failed). Returns -1 for anything else.
int idOf(const QString &message);
// A task's value is its id: an int, a JavaScript number, or a GET's body.
int idOf(const QVariant &value);
// What a rethrown failure says; QtConcurrent::run wraps what its work threw in a
// QUnhandledException, whose what() is only "std::exception".
QString messageOf(const std::exception_ptr &failure);

// What the model knows about one task or put() item. `stream` is the spawning context (the owner
// thread, one spawner thread, one task body): its spawns are sequential, so an OrderedBag must
// hand their results out in increasing `seq`.
struct TaskInfo
{
    int stream = 0;
    int seq = 0;
    bool givesValue = false; // a result is expected if it succeeds
    bool limited = false;    // a callable the concurrency limit applies to (not adopted, not put)
    bool produced = false;   // its body returned (or its promise got) its value
    bool threw = false;      // its body threw (or its promise got an exception)
    bool mayBeLost = false;  // canceled (its own future, cancel(), destruction): at most once
    bool isPut = false;
    const char *how = "";
};

class Model
{
public:
    // Ids start at 1; the value a task returns is its id.
    int add(const char *how, int stream, int seq, bool givesValue, bool limited,
            bool isPut = false);
    QString describe(int id) const;
    void produced(int id);
    void threw(int id);
    void mayBeLost(int id);
    void allMayBeLost();
    TaskInfo info(int id) const;
    int taskCount() const;

    // Events seen by the owner thread.
    void taken(int id);
    void signaled(int id);
    void failureSignaled(int id);
    void failureRethrown(int id, const char *where);

    // A callable's body begins and ends; checks the concurrency limit while it is known.
    void enter();
    void leave();
    void limitChanged(int limit);       // maxConcurrency (0: unlimited)
    void bufferLimitChanged(int limit); // bufferLimit (0: unlimited)
    void stopCheckingLimits();          // after a cancel: bodies outlive the round's count
    bool limitsChecked() const { return m_limitsChecked.load(); }
    int maxBufferLimit() const;     // 0 when unlimited at some point
    int maxConcurrencyEver() const; // 0 when unlimited at some point
    int unheldCount() const;        // put() items and adopted futures so far

    void fail(const QString &what);
    QStringList errors() const;
    bool ok() const;

    // At the end of an episode. `strictResults`: nothing was canceled, so every value produced
    // must have been signaled (and taken, when `drained`). `strictFailures`: ContinueOnFailure
    // and nothing canceled, so every failure must have been signaled.
    void check(bool strictResults, bool drained, bool strictFailures);

    int failuresThrown() const;
    int failuresRethrown() const;

    // The group's liveness, for spawns from task bodies: they hold the lock shared while they
    // spawn; destroying the group takes it exclusively first.
    std::shared_mutex aliveLock;
    bool alive = true;

    std::atomic<int> ops { 0 };

private:
    void orderedLocked(const std::map<int, int> &lastSeq, int id, const char *what);

    mutable std::mutex m_mutex;
    std::map<int, TaskInfo> m_tasks;
    int m_nextId = 1;
    std::set<int> m_taken;
    std::set<int> m_signaled;
    std::set<int> m_failureSignaled;
    std::set<int> m_failureRethrown;
    std::map<int, int> m_lastTakenSeq;    // stream -> seq of the last result taken
    std::map<int, int> m_lastSignaledSeq; // stream -> seq of the last result signaled
    bool m_ordered = false;
    std::atomic<bool> m_cancelOnFailure { false };
    QStringList m_errors;

    std::atomic<int> m_inBody { 0 };
    std::atomic<int> m_maxConcurrency { 0 };
    std::atomic<bool> m_concurrencyEverUnlimited { false };
    std::atomic<bool> m_limitsChecked { true };
    int m_maxBufferLimit = 0;
    bool m_bufferEverUnlimited = false;
    int m_unheld = 0;

public:
    void setOrdered(bool ordered) { m_ordered = ordered; }
    // Under CancelOnFailure a failure cancels the round: like cancel(), limits stop holding.
    void setCancelOnFailure(bool cancel) { m_cancelOnFailure = cancel; }
};

} // namespace Stress

#endif // STRESS_MODEL_H
