// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// tst_stress: random operation sequences over Group, Pool, Bag and OrderedBag (with and without a
// size), checked against the model in model.h. See README.md next to this file.

#include "episodeutil.h"
#include "foreignrunnable.h"
#include "model.h"
#include "stressserver.h"

#include <AioUtils/Bag>
#include <AioUtils/Group>
#include <AioUtils/Network>
#include <AioUtils/OrderedBag>
#include <AioUtils/Pool>

#include <QtConcurrent/QtConcurrentRun>
#include <QtCore/QAbstractItemModel>
#include <QtCore/QCoreApplication>
#include <QtCore/QDateTime>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QException>
#include <QtCore/QPromise>
#include <QtCore/QRegularExpression>
#include <QtCore/QThread>
#include <QtCore/QThreadPool>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkRequest>
#include <QtTest/QAbstractItemModelTester>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace Stress;

#if defined(__SANITIZE_THREAD__)
constexpr bool underTsan = true;
#else
constexpr bool underTsan = false;
#endif

namespace {

struct Options
{
    std::uint64_t seed = 0;
    qint64 ops = 0;        // stop after this many operations (0: no limit)
    double seconds = 4;    // stop after this long (0: no limit)
    int maxPhaseOps = 120; // owner-thread operations per episode, at most
    bool network = true;
    int networkPercent = 10;                  // of the episodes, those with network jobs
    std::optional<std::uint64_t> episodeSeed; // run this one episode only
    bool verbose = false;
    int patienceMs = 60000; // how long any one wait may take before it counts as a hang
};

// A task's own failure: its id is in the message, so a rethrow names the task it came from.
class StressFailure : public std::runtime_error
{
public:
    explicit StressFailure(int id) : std::runtime_error("stress failure #" + std::to_string(id)) { }
};

std::uint64_t mix(std::uint64_t a, std::uint64_t b)
{
    Rng rng(a * 0x100000001b3ULL ^ b);
    return rng.next();
}

// ---- warnings: the expected ones are counted, any other fails the run --------------------------

std::atomic<int> g_expectedWarnings { 0 };
std::mutex g_warningMutex;
QStringList g_unexpectedWarnings;
QtMessageHandler g_previousHandler = nullptr;

void messageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type == QtDebugMsg || type == QtInfoMsg)
        return;
    static const char *const expected[] = {
        "called from inside one of the group's own tasks",
        "called from inside one of the bag's own tasks",
        "called from another thread than the bag's",
        // Qt's: aborting a reply (a fetch() canceled) while QtNetwork's HTTP thread has an error
        // for it on the way; QNetworkReplyHttpImplPrivate::httpError() reports it without
        // looking whether the reply was aborted meanwhile. Harmless.
        "QNetworkReplyImplPrivate::error: Internal problem, this method must only be called once",
        // Qt 6.8's QAbstractItemModelTester (which watches the task models here), in an
        // application without QtGui: it makes a QVariant of a GUI type (id 4097, QPixmap), which
        // QtCore alone does not know. The same in tst_taskmodel, where it is only printed.
        "Trying to construct an instance of an invalid type, type id: 4097",
    };
    for (const char *text : expected) {
        if (message.contains(QLatin1String(text))) {
            ++g_expectedWarnings;
            return;
        }
    }
    {
        std::lock_guard lock(g_warningMutex);
        g_unexpectedWarnings << message;
    }
    g_previousHandler(type, context, message);
}

// ---- what task bodies share with the owner thread ---------------------------------------------

enum class Kind { Group, Pool, Bag, BagPool, OrderedBag, OrderedBagPool };

const char *kindName(Kind kind)
{
    switch (kind) {
    case Kind::Group:
        return "Group";
    case Kind::Pool:
        return "Pool";
    case Kind::Bag:
        return "Bag";
    case Kind::BagPool:
        return "Bag(n)";
    case Kind::OrderedBag:
        return "OrderedBag";
    case Kind::OrderedBagPool:
        return "OrderedBag(n)";
    }
    return "?";
}

// Two threads that run what is posted to them: the test's own hand-overs go through std::mutex,
// which ThreadSanitizer sees (a QThreadPool's queue it would not).
class Finisher
{
public:
    Finisher()
    {
        for (std::thread &thread : m_threads)
            thread = std::thread([this] { work(); });
    }
    ~Finisher()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_changed.notify_all();
        for (std::thread &thread : m_threads)
            thread.join();
    }
    void post(std::function<void()> job)
    {
        {
            std::lock_guard lock(m_mutex);
            m_jobs.push_back(std::move(job));
            ++m_pending;
        }
        m_changed.notify_all();
    }
    bool waitForDone(int ms)
    {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, std::chrono::milliseconds(ms),
                                  [this] { return m_pending == 0; });
    }

private:
    void work()
    {
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_changed.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
            if (m_jobs.empty())
                return;
            std::function<void()> job = std::move(m_jobs.front());
            m_jobs.pop_front();
            lock.unlock();
            job();
            job = nullptr; // what it holds goes before the job counts as done
            lock.lock();
            --m_pending;
            m_changed.notify_all();
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<std::function<void()>> m_jobs;
    int m_pending = 0;
    bool m_stopping = false;
    std::thread m_threads[2];
};

struct Context
{
    Model model;
    int episode = 0;
    // Valid while model.alive (read under model.aliveLock).
    AioUtils::Group *group = nullptr;
    AioUtils::Bag *bag = nullptr;
    // Owned by the episode, which waits for them before it destroys them.
    QThreadPool *customPool = nullptr;
    Finisher *finisher = nullptr;          // settles promises from other threads
    QThreadPool *concurrentPool = nullptr; // runs the QtConcurrent::run work that is adopted
    QObject *timerContext = nullptr;       // on the owner thread
    QThread *owner = nullptr;              // the thread the group belongs to
    QNetworkAccessManager *nam = nullptr;
    QUrl site;
    std::atomic<int> nextStream { 1 };
    std::mutex handlesMutex;
    std::vector<std::pair<int, QFuture<int>>> valueHandles;
    std::vector<std::pair<int, QFuture<void>>> handles;
    int maxDepth = 2;
    // Keyed tasks: the group's limitPerKey (fixed for the episode; 0: none), and how many
    // bodies of each key run now.
    int limitPerKey = 0;
    static constexpr int Keys = 3;
    std::atomic<int> keyBodies[Keys] = {};
};

// A keyed thread-pool task's body: while it runs, at most limitPerKey bodies of its key do.
template<typename F> auto keyedBody(std::shared_ptr<Context> c, int key, F body)
{
    return [c = std::move(c), key, body = std::move(body)]() mutable {
        const int now = ++c->keyBodies[key];
        if (c->limitPerKey > 0 && now > c->limitPerKey && c->model.limitsChecked())
            c->model.fail(QStringLiteral("%1 tasks of key %2 run at once; limitPerKey is %3")
                                  .arg(now)
                                  .arg(key)
                                  .arg(c->limitPerKey));
        struct Leave
        {
            std::atomic<int> &bodies;
            ~Leave() { --bodies; }
        } leave { c->keyBodies[key] };
        // A moment longer than most bodies: tasks of one key overlap, if the group lets them.
        QThread::usleep(300);
        return body();
    };
}

struct Stream
{
    int id;
    int seq = 0;
};

// Holds the group alive for a spawn from any thread; re-entrant on one thread (a future task
// called inside spawn() spawns again).
class AliveGuard
{
public:
    explicit AliveGuard(Model &model) : m_model(model)
    {
        if (t_depth++ == 0)
            m_model.aliveLock.lock_shared();
    }
    ~AliveGuard()
    {
        if (--t_depth == 0)
            m_model.aliveLock.unlock_shared();
    }
    bool alive() const { return m_model.alive; }

private:
    Model &m_model;
    static thread_local int t_depth;
};
thread_local int AliveGuard::t_depth = 0;

struct Plan
{
    bool fail = false;
    int sleepUs = 0;
    int nested = 0; // tasks this task spawns into its own group
    int finish = 0; // future tasks: 0 at once, 1 by a timer, 2 by another thread
    int delayUs = 0;
    bool joinInside = false; // calls join() (and next()) from inside: must refuse
    std::uint64_t seed = 0;
    int depth = 0;
};

void spawnRandom(const std::shared_ptr<Context> &c, Rng &rng, Stream &stream, int depth);

Plan makePlan(Rng &rng, int depth, int maxDepth)
{
    Plan plan;
    plan.fail = rng.chance(4);
    plan.sleepUs = rng.chance(30) ? rng.between(1, 400) : 0;
    plan.nested = depth < maxDepth && rng.chance(8) ? rng.between(1, 4) : 0;
    plan.finish = rng.below(3);
    plan.delayUs = rng.between(0, 2000);
    plan.joinInside = rng.chance(1);
    plan.seed = rng.next();
    plan.depth = depth;
    return plan;
}

// What every callable does before it ends: sleep, spawn into its own group, try to wait for it.
// `insideTask`: the group runs this as one of its tasks (an adopted future's work is not).
void runPlan(const std::shared_ptr<Context> &c, const Plan &plan, bool insideTask)
{
    if (plan.sleepUs)
        QThread::usleep(ulong(plan.sleepUs));
    const bool joinInside = plan.joinInside && insideTask;
    if (plan.nested || joinInside) {
        AliveGuard guard(c->model);
        if (!guard.alive())
            return;
        if (joinInside && c->group->join(QDeadlineTimer(0)))
            c->model.fail(QStringLiteral("join() inside a task returned true"));
        if (joinInside && c->bag && c->bag->next(QDeadlineTimer(0)))
            c->model.fail(QStringLiteral("next() inside a task returned a result"));
        Rng rng(plan.seed);
        Stream stream { c->nextStream++ };
        for (int i = 0; i < plan.nested; ++i)
            spawnRandom(c, rng, stream, plan.depth + 1);
    }
}

template<typename T> auto callable(std::shared_ptr<Context> c, int id, Plan plan, bool limited)
{
    return [c = std::move(c), id, plan, limited]() -> T {
        if (limited)
            c->model.enter();
        runPlan(c, plan, limited);
        if (plan.fail) {
            c->model.threw(id);
            if (limited)
                c->model.leave();
            throw StressFailure(id);
        }
        if (limited)
            c->model.leave();
        if constexpr (std::is_same_v<T, int>) {
            c->model.produced(id);
            return id;
        }
    };
}

// Settles a promise made by a future task or for an adopted future: at once, from a timer on
// the owner thread, or from another thread.
template<typename T>
void settleLater(const std::shared_ptr<Context> &c, std::shared_ptr<QPromise<T>> promise, int id,
                 const Plan &plan, bool limited)
{
    auto settle = [c, promise, id, failing = plan.fail, limited] {
        // Under TSan, a promise settled on another thread than the group's does not fail: its
        // exception would cross threads inside QtCore alone (QPromise::setException), which only
        // the suppressions for standard exceptions cover, and on Debian 13 they cannot (see the
        // adopted QtConcurrent work).
        const bool fail = failing && (!underTsan || QThread::currentThread() == c->owner);
        if (fail)
            c->model.threw(id);
        else if constexpr (std::is_same_v<T, int>)
            c->model.produced(id);
        if (limited)
            c->model.leave();
        if (fail)
            promise->setException(std::make_exception_ptr(StressFailure(id)));
        else if constexpr (std::is_same_v<T, int>)
            promise->addResult(id);
        promise->finish();
    };
    switch (plan.finish) {
    case 0:
        settle();
        break;
    case 1:
        QTimer::singleShot(plan.delayUs / 1000, c->timerContext, settle);
        break;
    default:
        c->finisher->post([settle, delayUs = plan.delayUs] {
            QThread::usleep(ulong(delayUs));
            settle();
        });
        break;
    }
}

// The adopted pool work: QtConcurrent::run(pool, fn), except under TSan. There the work goes to
// the pool as foreign work whose hand-over the test annotates itself (foreignrunnable.h).
// QThreadPool hands a task over under QtCore's own mutex, which TSan cannot see in Debian's
// QtCore; share/tsan.supp matches that hand-over for QtConcurrent::run only by the stack that made
// the task object, and when the task waits long in the pool's queue TSan has forgotten that stack
// ("failed to restore the stack": CI, once in about twenty runs, even with history_size=7).
QFuture<int> runAdopted(QThreadPool *pool, std::function<int()> work)
{
    if constexpr (!underTsan)
        return QtConcurrent::run(pool, std::move(work));
    QPromise<int> promise;
    promise.start();
    QFuture<int> future = promise.future();
    TestUtil::startForeign(pool, [promise = std::move(promise), work = std::move(work)]() mutable {
        try {
            promise.addResult(work());
        } catch (...) {
            promise.setException(std::current_exception());
        }
        promise.finish();
    });
    return future;
}

template<typename T> auto futureCallable(std::shared_ptr<Context> c, int id, Plan plan)
{
    return [c = std::move(c), id, plan]() -> QFuture<T> {
        c->model.enter();
        runPlan(c, plan, true);
        auto promise = std::make_shared<QPromise<T>>();
        promise->start();
        QFuture<T> future = promise->future();
        settleLater<T>(c, std::move(promise), id, plan, true);
        return future;
    };
}

template<typename T> void keep(const std::shared_ptr<Context> &c, int id, const QFuture<T> &f)
{
    std::lock_guard lock(c->handlesMutex);
    if constexpr (std::is_same_v<T, int>)
        c->valueHandles.emplace_back(id, f);
    c->handles.emplace_back(id, QFuture<void>(f));
}

// One spawn of a random kind, from whatever thread calls it.
void spawnRandom(const std::shared_ptr<Context> &c, Rng &rng, Stream &stream, int depth)
{
    AliveGuard guard(c->model);
    ++c->model.ops;
    if (!guard.alive())
        return;
    AioUtils::Group &group = *c->group;
    const Plan plan = makePlan(rng, depth, c->maxDepth);
    const int seq = stream.seq++;
    const int choice = rng.below(c->site.isEmpty() ? 100 : 112);
    if (choice < 12) { // a value on the global thread pool
        const int id = c->model.add("spawn value", stream.id, seq, true, true);
        keep(c, id, group.spawn(callable<int>(c, id, plan, true)));
    } else if (choice < 18) { // the same, keyed (limitPerKey), or posted keyed
        const int key = rng.below(Context::Keys);
        const AioUtils::Key name(QStringLiteral("key %1").arg(key));
        if (rng.chance(50)) {
            const int id = c->model.add("spawn keyed value", stream.id, seq, true, true);
            keep(c, id,
                 group.spawn(name, c->customPool,
                             keyedBody(c, key, callable<int>(c, id, plan, true))));
        } else {
            const int id = c->model.add("post keyed value", stream.id, seq, true, true);
            group.post(name, c->customPool, keyedBody(c, key, callable<int>(c, id, plan, true)));
        }
    } else if (choice < 24) { // a value on the episode's own thread pool
        const int id = c->model.add("spawn value on own pool", stream.id, seq, true, true);
        keep(c, id, group.spawn(c->customPool, callable<int>(c, id, plan, true)));
    } else if (choice < 32) { // void
        const int id = c->model.add("spawn void", stream.id, seq, false, true);
        keep(c, id, group.spawn(callable<void>(c, id, plan, true)));
    } else if (choice < 44) { // fire and forget, a value
        const int id = c->model.add("post value", stream.id, seq, true, true);
        group.post(callable<int>(c, id, plan, true));
    } else if (choice < 48) { // fire and forget, void, on the episode's pool
        const int id = c->model.add("post void on own pool", stream.id, seq, false, true);
        group.post(c->customPool, callable<void>(c, id, plan, true));
    } else if (choice < 60) { // a future task (called on the group's thread)
        const int id = c->model.add("spawn future<int>", stream.id, seq, true, true);
        keep(c, id, group.spawn(futureCallable<int>(c, id, plan)));
    } else if (choice < 64) {
        const int id = c->model.add("spawn future<void>", stream.id, seq, false, true);
        keep(c, id, group.spawn(futureCallable<void>(c, id, plan)));
    } else if (choice < 70) {
        const int id = c->model.add("post future<int>", stream.id, seq, true, true);
        group.post(futureCallable<int>(c, id, plan));
    } else if (choice < 78) { // adopt QtConcurrent::run
        const int id = c->model.add("adopt QtConcurrent::run", stream.id, seq, true, false);
        // Under TSan, QtConcurrent work does not throw: its exception crosses threads inside
        // QtCore alone, and with Debian 13's libstdc++ the frame that writes a standard
        // exception's message has no symbol for share/tsan.supp to match (README, TSan).
        Plan adopted = plan;
        if (underTsan)
            adopted.fail = false;
        keep(c, id,
             group.spawn(runAdopted(c->concurrentPool, callable<int>(c, id, adopted, false))));
    } else if (choice < 84) { // adopt a promise's future, settled elsewhere
        const int id = c->model.add("adopt promise", stream.id, seq, true, false);
        auto promise = std::make_shared<QPromise<int>>();
        promise->start();
        Plan adopted = plan;
        if (adopted.finish == 1 && QThread::currentThread() != c->timerContext->thread())
            adopted.finish = 2;
        keep(c, id, group.spawn(promise->future()));
        settleLater<int>(c, std::move(promise), id, adopted, false);
    } else if (choice < 86) { // adopt a future that is finished already
        const int id = c->model.add("adopt finished future", stream.id, seq, true, false);
        QPromise<int> promise;
        promise.start();
        if (plan.fail) {
            c->model.threw(id);
            promise.setException(std::make_exception_ptr(StressFailure(id)));
        } else {
            c->model.produced(id);
            promise.addResult(id);
        }
        promise.finish();
        keep(c, id, group.spawn(promise.future()));
    } else if (choice < 100) {
        if (c->bag) {
            const int id = c->model.add("put", stream.id, seq, true, false, true);
            c->model.produced(id);
            c->bag->put(id);
        } else {
            const int id = c->model.add("post value", stream.id, seq, true, true);
            group.post(callable<int>(c, id, plan, true));
        }
    } else { // a GET from the local server: its answer (or its error) comes later
        const int id = c->model.add("fetch", stream.id, seq, !plan.fail, false);
        const QUrl url =
                StressServer::urlFor(c->site, c->episode, id, plan.fail, plan.delayUs / 200);
        if (rng.chance(50))
            keep(c, id, group.spawn(AioUtils::fetch, c->nam, QNetworkRequest(url)));
        else
            group.post(AioUtils::fetch, c->nam, QNetworkRequest(url));
    }
}

// The context whose episode the server answers for; the server marks values produced and
// failures thrown when it answers.
std::mutex g_currentMutex;
std::shared_ptr<Context> g_current;

LocalSite::HttpResponse answer(const LocalSite::HttpRequest &request)
{
    return StressServer::answer(request, [](int episode, bool fail, int id) {
        std::lock_guard lock(g_currentMutex);
        if (g_current && g_current->episode == episode) {
            if (fail)
                g_current->model.threw(id);
            else
                g_current->model.produced(id);
        }
    });
}

QString stateOf(AioUtils::Group &group)
{
    QString state = QStringLiteral("spawned %1, queued %2, running %3, finished %4, failed %5")
                            .arg(group.spawnedCount())
                            .arg(group.queuedCount())
                            .arg(group.runningCount())
                            .arg(group.finishedCount())
                            .arg(group.failedCount());
    if (auto *bag = qobject_cast<AioUtils::Bag *>(&group))
        state += QStringLiteral("; bufferedCount %1, bufferLimit %2, model rows %3")
                         .arg(bag->bufferedCount())
                         .arg(bag->bufferLimit())
                         .arg(bag->model()->rowCount());
    return state;
}

enum class Ending {
    Join,
    JoinFromThread,
    Joined,
    Yielding,
    NextLoop,
    Cancel,
    BreakYielding,
    Destroy
};

const char *endingName(Ending ending)
{
    switch (ending) {
    case Ending::Join:
        return "join";
    case Ending::JoinFromThread:
        return "join from another thread";
    case Ending::Joined:
        return "joined()";
    case Ending::Yielding:
        return "yielding()";
    case Ending::NextLoop:
        return "next(deadline) loop";
    case Ending::Cancel:
        return "cancel";
    case Ending::BreakYielding:
        return "break out of yielding()";
    case Ending::Destroy:
        return "destroy under load";
    }
    return "?";
}

class Episode
{
public:
    Episode(const Options &options, int index, std::uint64_t seed, bool network, QUrl site)
        : m_options(options), m_index(index), m_seed(seed), m_rng(seed), m_network(network),
          m_site(std::move(site))
    {
    }

    bool run(Totals &totals);
    QString describe() const
    {
        return QStringLiteral("episode %1 (seed %2): %3%4, %5 ops, ending \"%6\"%7%8")
                .arg(m_index)
                .arg(m_seed)
                .arg(QLatin1String(kindName(m_kind)))
                .arg(m_network ? QStringLiteral(" with network jobs") : QString())
                .arg(m_phaseOps)
                .arg(QLatin1String(endingName(m_ending)))
                .arg(m_policyCancel ? QStringLiteral(", CancelOnFailure") : QString())
                .arg(m_gateReleaseAt >= 0
                             ? QStringLiteral(", gate opened at op %1").arg(m_gateReleaseAt)
                             : QString());
    }
    QStringList errors() const { return m_c ? m_c->model.errors() : QStringList(); }

private:
    void create();
    void phaseOp();
    void consume(const QVariant &value);
    // A round that tasks still running began after the end needs a consumer too.
    void takeWhatIsThere()
    {
        if (m_c->bag) {
            for (const QVariant &value : m_c->bag->takeAll())
                consume(value);
        }
    }
    void rethrown(const std::exception_ptr &failure, const char *where);
    bool finish();
    void checkBuffer();
    void checkEnd(bool joinedOk, bool rethrew);
    void destroyGroup();
    // The group's taskModel(), watched by Qt's model tester (its complaints are warnings, which
    // fail the episode); `fromStart`: made before any task but the gate.
    void makeTaskModel(bool fromStart);
    void checkTaskModel(int spawned, int thrown);

    const Options &m_options;
    const int m_index;
    const std::uint64_t m_seed;
    Rng m_rng;
    const bool m_network;
    const QUrl m_site;

    Kind m_kind = Kind::Group;
    Ending m_ending = Ending::Join;
    bool m_policyCancel = false;
    int m_phaseOps = 0;
    int m_gateReleaseAt = -1;
    bool m_gateHeld = false;
    bool m_anyCancel = false;
    int m_rounds = 0;

    std::shared_ptr<Context> m_c;
    std::unique_ptr<QThreadPool> m_customPool;
    std::unique_ptr<Finisher> m_finisher;
    std::unique_ptr<QThreadPool> m_concurrentPool;
    std::unique_ptr<QObject> m_timerContext;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    QObject *m_dialog = nullptr; // the group's parent, like a window
    AioUtils::Pool *m_pool = nullptr;
    QAbstractItemModel *m_taskModel = nullptr; // a child of the group
    bool m_taskModelFromStart = false;
    QPromise<void> m_gate;
    Stream m_ownerStream { 0 };
    std::vector<std::unique_ptr<QThread>> m_qthreads;
    std::vector<std::thread> m_threads;
};

void Episode::create()
{
    m_c = std::make_shared<Context>();
    m_c->episode = m_index;
    m_customPool = std::make_unique<QThreadPool>();
    m_customPool->setMaxThreadCount(4); // 4: keyed tasks of one key may overlap (limitPerKey)
    m_finisher = std::make_unique<Finisher>();
    m_concurrentPool = std::make_unique<QThreadPool>();
    m_concurrentPool->setMaxThreadCount(2);
    m_timerContext = std::make_unique<QObject>();
    m_c->customPool = m_customPool.get();
    m_c->finisher = m_finisher.get();
    m_c->concurrentPool = m_concurrentPool.get();
    m_c->timerContext = m_timerContext.get();
    m_c->owner = QThread::currentThread();
    if (m_network) {
        m_nam = std::make_unique<QNetworkAccessManager>();
        m_c->nam = m_nam.get();
        m_c->site = m_site;
    }
    m_dialog = new QObject;

    m_kind = Kind(m_rng.below(6));
    const int size = m_rng.between(1, 6);
    AioUtils::Group *group = nullptr;
    switch (m_kind) {
    case Kind::Group:
        group = new AioUtils::Group(m_dialog);
        if (m_rng.chance(30))
            group->setMaxConcurrency(m_rng.between(1, 6));
        break;
    case Kind::Pool:
        group = m_pool = new AioUtils::Pool(size, m_dialog);
        break;
    case Kind::Bag:
        group = m_c->bag = new AioUtils::Bag(m_dialog);
        break;
    case Kind::BagPool:
        group = m_c->bag = new AioUtils::Bag(size, m_dialog);
        break;
    case Kind::OrderedBag:
        group = m_c->bag = new AioUtils::OrderedBag(m_dialog);
        break;
    case Kind::OrderedBagPool:
        group = m_c->bag = new AioUtils::OrderedBag(size, m_dialog);
        break;
    }
    m_c->group = group;
    m_c->model.limitChanged(group->maxConcurrency());
    m_c->model.setOrdered(m_kind == Kind::OrderedBag || m_kind == Kind::OrderedBagPool);
    if (m_c->bag) {
        if (m_rng.chance(40))
            m_c->bag->setBufferLimit(m_rng.between(1, 8));
        m_c->model.bufferLimitChanged(m_c->bag->bufferLimit());
    }
    // Tasks that spawn tasks may do so after cancel(), which begins the next round at once; in
    // half of the episodes no task does, so that "idle right after cancel()" can be checked.
    m_c->maxDepth = m_rng.chance(50) ? 2 : 0;
    if (m_rng.chance(50)) {
        m_c->limitPerKey = m_rng.between(1, 3);
        group->setLimitPerKey(m_c->limitPerKey);
    }
    m_policyCancel = m_rng.chance(12);
    if (m_policyCancel) {
        group->setFailurePolicy(AioUtils::Group::CancelOnFailure);
        m_c->model.setCancelOnFailure(true);
    }

    Context *c = m_c.get();
    QObject::connect(group, &AioUtils::Group::taskFailed, group,
                     [c](const QString &message) { c->model.failureSignaled(idOf(message)); });
    QObject::connect(group, &AioUtils::Group::finished, group, [this] { ++m_rounds; });
    if (m_c->bag) {
        QObject::connect(m_c->bag, &AioUtils::Bag::resultReady, m_c->bag,
                         [c](const QVariant &value) { c->model.signaled(idOf(value)); });
    }

    const bool bag = m_c->bag != nullptr;
    const Ending endings[] = { Ending::Join,     Ending::JoinFromThread, Ending::Joined,
                               Ending::Cancel,   Ending::Destroy,        Ending::Yielding,
                               Ending::NextLoop, Ending::BreakYielding };
    m_ending = endings[m_rng.below(bag ? 8 : 5)];
    m_phaseOps = m_rng.between(1, m_options.maxPhaseOps);
    m_gateReleaseAt = m_rng.chance(30) ? m_rng.below(m_phaseOps) : -1;

    // The gate: an adopted future that holds the round open until it is released, so the whole
    // phase is one round.
    m_gate.start();
    group->spawn(m_gate.future());
    m_gateHeld = true;
    if (m_rng.chance(30))
        makeTaskModel(true);
}

void Episode::makeTaskModel(bool fromStart)
{
    m_c->group->setTaskModelLimit(0); // every row of the round stays, to be checked
    m_taskModel = m_c->group->taskModel();
    new QAbstractItemModelTester(
            m_taskModel, QAbstractItemModelTester::FailureReportingMode::Warning, m_taskModel);
    m_taskModelFromStart = fromStart;
}

void Episode::checkTaskModel(int spawned, int thrown)
{
    // Rows follow the drains: let the last ones run.
    for (int i = 0; i < 3; ++i)
        QCoreApplication::processEvents();
    const int stateRole = m_taskModel->roleNames().key("state");
    int failedRows = 0;
    for (int row = 0; row < m_taskModel->rowCount(); ++row) {
        const QString state = m_taskModel->data(m_taskModel->index(row, 0), stateRole).toString();
        if (state == QLatin1String("queued") || state == QLatin1String("running"))
            m_c->model.fail(
                    QStringLiteral("task model: row %1 is %2 after the end").arg(row).arg(state));
        failedRows += state == QLatin1String("failed");
    }
    // Made with the gate only: a row for every task of the round, and a failed row per failure.
    if (m_taskModelFromStart && (m_taskModel->rowCount() != spawned || failedRows != thrown))
        m_c->model.fail(QStringLiteral("task model: %1 rows (%2 tasks), %3 failed (%4 thrown)")
                                .arg(m_taskModel->rowCount())
                                .arg(spawned)
                                .arg(failedRows)
                                .arg(thrown));
}

void Episode::consume(const QVariant &value)
{
    m_c->model.taken(idOf(value));
}

void Episode::rethrown(const std::exception_ptr &failure, const char *where)
{
    const QString message = messageOf(failure);
    const int id = idOf(message);
    if (id < 0)
        m_c->model.fail(QStringLiteral("%1 rethrew something that is no task's failure: %2")
                                .arg(QLatin1String(where), message));
    else
        m_c->model.failureRethrown(id, where);
}

// bufferedCount() + runningCount() stays at the limit, over by what is never held back (put(),
// adopted futures, the gate).
void Episode::checkBuffer()
{
    if (!m_c->bag || !m_c->model.limitsChecked())
        return;
    const int limit = m_c->model.maxBufferLimit();
    if (limit == 0)
        return;
    const int buffered = m_c->bag->bufferedCount();
    const int running = m_c->bag->runningCount();
    const int slack = m_c->model.unheldCount() + 1;
    if (buffered + running > limit + slack)
        m_c->model.fail(QStringLiteral("bufferedCount %1 + runningCount %2 over the limit %3 "
                                       "(+ %4 never held back)")
                                .arg(buffered)
                                .arg(running)
                                .arg(limit)
                                .arg(slack));
    const int rows = m_c->bag->model()->rowCount();
    if (rows > buffered)
        m_c->model.fail(
                QStringLiteral("model has %1 rows, bufferedCount is %2").arg(rows).arg(buffered));
}

void Episode::phaseOp()
{
    AioUtils::Group &group = *m_c->group;
    AioUtils::Bag *bag = m_c->bag;
    const int op = m_rng.below(100);
    ++m_c->model.ops;
    // The task model, asked for in the middle of a round.
    if (!m_taskModel && m_rng.chance(2))
        makeTaskModel(false);
    if (op < 45) {
        spawnRandom(m_c, m_rng, m_ownerStream, 0);
    } else if (op < 50) { // a thread that spawns a burst; joined before the round may end
        const std::uint64_t seed = m_rng.next();
        const int count = m_rng.between(1, 30);
        auto burst = [c = m_c, seed, count] {
            Rng rng(seed);
            Stream stream { c->nextStream++ };
            for (int i = 0; i < count; ++i) {
                spawnRandom(c, rng, stream, 0);
                if (rng.chance(10))
                    QThread::usleep(ulong(rng.between(1, 300)));
            }
        };
        if (m_rng.chance(50)) {
            m_threads.emplace_back(burst);
        } else {
            m_qthreads.emplace_back(QThread::create(burst));
            m_qthreads.back()->start();
        }
    } else if (op < 60) {
        spin(m_rng.below(3));
    } else if (op < 68 && bag) {
        try {
            if (const std::optional<QVariant> value = bag->next(QDeadlineTimer(m_rng.below(3))))
                consume(*value);
        } catch (...) {
            rethrown(std::current_exception(), "next(deadline) in the phase");
        }
    } else if (op < 73 && bag) {
        for (const QVariant &value : bag->takeAll())
            consume(value);
    } else if (op < 76) {
        try {
            const bool idle = group.join(QDeadlineTimer(m_rng.below(3)));
            if (idle && m_gateHeld && !m_anyCancel && !m_policyCancel)
                m_c->model.fail(QStringLiteral(
                        "join(deadline) returned true while the gate holds the round"));
        } catch (...) {
            if (m_gateHeld && !m_anyCancel && !m_policyCancel)
                m_c->model.fail(
                        QStringLiteral("join(deadline) threw while the gate holds the round"));
            rethrown(std::current_exception(), "join(deadline) in the phase");
        }
    } else if (op < 80) {
        if (m_pool) {
            const int size = m_rng.between(1, 6);
            m_c->model.limitChanged(size); // first: raising it starts tasks at once
            m_pool->setSize(size);
        } else if (bag && m_rng.chance(50)) {
            const int limit = m_rng.between(1, 8);
            m_c->model.bufferLimitChanged(limit);
            bag->setBufferLimit(limit);
        } else if (m_kind == Kind::Group) {
            const int limit = m_rng.below(7);
            m_c->model.limitChanged(limit);
            group.setMaxConcurrency(limit);
        }
    } else if (op < 83) { // cancel one task through its future
        std::pair<int, QFuture<void>> handle;
        {
            std::lock_guard lock(m_c->handlesMutex);
            if (m_c->handles.empty())
                return;
            handle = m_c->handles[std::size_t(m_rng.below(int(m_c->handles.size())))];
        }
        m_anyCancel = true;
        m_c->model.stopCheckingLimits();
        m_c->model.mayBeLost(handle.first);
        if (m_options.verbose)
            std::printf("     cancel %s\n", qPrintable(m_c->model.describe(handle.first)));
        handle.second.cancel();
    } else if (op < 86) {
        const QFuture<void> joined = group.joined();
        if (joined.isFinished() && m_gateHeld && !m_anyCancel && !m_policyCancel)
            m_c->model.fail(QStringLiteral("joined() is finished while the gate holds the round"));
    } else if (op < 88 && m_pool) {
        m_pool->waitAvailable(QDeadlineTimer(m_rng.below(3)));
    } else if (op < 89 && bag) { // next() from another thread must refuse
        std::thread([bag, c = m_c] {
            if (bag->next(QDeadlineTimer(0)))
                c->model.fail(QStringLiteral("next() from another thread returned a result"));
        }).join();
    } else {
        checkBuffer();
    }
}

void Episode::destroyGroup()
{
    {
        std::unique_lock lock(m_c->model.aliveLock);
        m_c->model.alive = false;
    }
    // Like closing a window that owns the group, or deleting the group itself.
    if (m_rng.chance(50)) {
        delete m_dialog;
        m_dialog = nullptr;
    } else {
        delete m_c->group;
    }
    m_c->group = nullptr;
    m_c->bag = nullptr;
    m_pool = nullptr;
}

// The end of the phase; returns whether the group is still alive.
bool Episode::finish()
{
    AioUtils::Group *group = m_c->group;
    AioUtils::Bag *bag = m_c->bag;
    const int patience = m_options.patienceMs;
    bool rethrew = false;
    bool joinedOk = true;
    bool drained = false;

    // Destroyed under load, the gate may still hold the round.
    if (m_gateHeld && (m_ending != Ending::Destroy || m_rng.chance(50))) {
        m_gate.finish();
        m_gateHeld = false;
    }
    // With a buffer limit somebody must take, or the queue never moves: a view refreshing
    // from a timer, as the README says.
    QTimer taker;
    if (bag) {
        QObject::connect(&taker, &QTimer::timeout, bag, [this] { takeWhatIsThere(); });
        if (m_ending != Ending::Yielding && m_ending != Ending::NextLoop
            && m_ending != Ending::BreakYielding)
            taker.start(1);
    }

    switch (m_ending) {
    case Ending::Join:
        try {
            joinedOk = group->join(QDeadlineTimer(patience));
        } catch (...) {
            rethrew = true;
            rethrown(std::current_exception(), "join()");
        }
        break;
    case Ending::JoinFromThread: {
        std::atomic<int> state { 0 }; // 1: true, 2: false, 3: threw
        std::exception_ptr failure;
        std::thread joiner([&] {
            try {
                state = group->join(QDeadlineTimer(patience)) ? 1 : 2;
            } catch (...) {
                failure = std::current_exception();
                state = 3;
            }
        });
        spinUntil([&] { return state.load() != 0; }, patience + 5000);
        joiner.join();
        joinedOk = state != 2;
        if (state == 3) {
            rethrew = true;
            rethrown(failure, "join() from another thread");
        }
        break;
    }
    case Ending::Joined: {
        const QFuture<void> joined = group->joined();
        joinedOk = spinUntil([&] { return joined.isFinished(); }, patience);
        if (joinedOk) {
            try {
                QFuture<void>(joined).waitForFinished();
            } catch (...) {
                rethrew = true;
                rethrown(std::current_exception(), "joined()");
            }
        }
        break;
    }
    case Ending::Yielding:
        try {
            for (const QVariant &value : bag->yielding())
                consume(value);
            drained = true;
        } catch (...) {
            rethrew = true;
            drained = true;
            rethrown(std::current_exception(), "yielding()");
        }
        break;
    case Ending::NextLoop:
        try {
            const QDeadlineTimer deadline(patience);
            while (const std::optional<QVariant> value = bag->next(deadline))
                consume(*value);
            joinedOk = bag->isIdle();
            drained = joinedOk;
        } catch (...) {
            rethrew = true;
            drained = true;
            rethrown(std::current_exception(), "next() loop");
        }
        break;
    case Ending::BreakYielding: {
        const int stopAfter = m_rng.below(4);
        int seen = 0;
        m_anyCancel = true;
        m_c->model.stopCheckingLimits();
        m_c->model.allMayBeLost();
        try {
            for (const QVariant &value : bag->yielding()) {
                consume(value);
                if (seen++ == stopAfter)
                    break;
            }
        } catch (...) {
            rethrown(std::current_exception(), "yielding() left early");
        }
        if (m_c->maxDepth == 0 && !group->isIdle())
            m_c->model.fail(QStringLiteral("the bag is not idle right after leaving yielding()"));
        // Tasks still running may have begun the next round meanwhile.
        taker.start(1);
        try {
            joinedOk = group->join(QDeadlineTimer(patience));
        } catch (...) {
            rethrown(std::current_exception(), "join() after leaving yielding()");
        }
        break;
    }
    case Ending::Cancel:
        m_anyCancel = true;
        m_c->model.stopCheckingLimits();
        m_c->model.allMayBeLost();
        group->cancel();
        if (m_c->maxDepth == 0 && !group->isIdle())
            m_c->model.fail(QStringLiteral("not idle right after cancel()"));
        try {
            joinedOk = group->join(QDeadlineTimer(patience));
        } catch (...) {
            rethrown(std::current_exception(), "join() after cancel()");
        }
        break;
    case Ending::Destroy:
        m_anyCancel = true;
        m_c->model.stopCheckingLimits();
        m_c->model.allMayBeLost();
        destroyGroup();
        return false;
    }
    taker.stop();
    if (!joinedOk)
        m_c->model.fail(QStringLiteral("%1 did not end within %2 ms: %3")
                                .arg(QLatin1String(endingName(m_ending)))
                                .arg(patience)
                                .arg(stateOf(*group)));
    if (bag && !drained) {
        for (const QVariant &value : bag->takeAll())
            consume(value);
        drained = true;
    }
    checkEnd(joinedOk, rethrew);
    return true;
}

// What must hold once the round is over and nothing was canceled.
void Episode::checkEnd(bool joinedOk, bool rethrew)
{
    AioUtils::Group &group = *m_c->group;
    // A canceled task that still runs may begin the next round at any time.
    if (!joinedOk || (m_anyCancel && m_c->maxDepth > 0))
        return;
    if (!group.isIdle() || group.queuedCount() != 0 || group.runningCount() != 0)
        m_c->model.fail(QStringLiteral("after the end: idle %1, queued %2, running %3")
                                .arg(group.isIdle())
                                .arg(group.queuedCount())
                                .arg(group.runningCount()));
    const bool oneRound = m_gateReleaseAt < 0 && !m_anyCancel;
    const int thrown = m_c->model.failuresThrown();
    const bool canceledByFailure = m_policyCancel && thrown > 0;
    if (!oneRound || canceledByFailure)
        return;
    // One round from the gate to the end, nothing canceled: it is all in the counters, and the
    // end rethrew exactly when a task failed.
    if (rethrew != (thrown > 0))
        m_c->model.fail(QStringLiteral("%1 tasks failed, and the end %2")
                                .arg(thrown)
                                .arg(QLatin1String(rethrew ? "rethrew" : "did not rethrow")));
    int spawned = 1; // the gate
    for (int id = 1; id <= m_c->model.taskCount(); ++id) {
        if (!m_c->model.info(id).isPut)
            ++spawned;
    }
    if (group.spawnedCount() != spawned || group.finishedCount() != spawned
        || group.failedCount() != thrown)
        m_c->model.fail(QStringLiteral("counters: spawned %1 (model %2), finished %3, failed %4 "
                                       "(model %5)")
                                .arg(group.spawnedCount())
                                .arg(spawned)
                                .arg(group.finishedCount())
                                .arg(group.failedCount())
                                .arg(thrown));
    if (m_c->bag && m_c->bag->bufferedCount() != 0)
        m_c->model.fail(QStringLiteral("bufferedCount %1 after everything was taken")
                                .arg(m_c->bag->bufferedCount()));
    if (m_taskModel)
        checkTaskModel(spawned, thrown);
}

bool Episode::run(Totals &totals)
{
    QEventLoop dispatcher; // gives a thread not started by QThread its event dispatcher
    create();
    {
        std::lock_guard lock(g_currentMutex);
        g_current = m_c;
    }
    for (int i = 0; i < m_phaseOps; ++i) {
        if (i == m_gateReleaseAt) {
            m_gate.finish();
            m_gateHeld = false;
        }
        phaseOp();
    }
    for (std::thread &thread : m_threads)
        thread.join();
    for (const std::unique_ptr<QThread> &thread : m_qthreads)
        thread->wait();
    checkBuffer();
    const bool alive = finish();

    // Everything spawned ends: every future finishes, every thread is done, the group (if alive)
    // is idle.
    const int patience = m_options.patienceMs;
    std::vector<std::pair<int, QFuture<void>>> handles;
    {
        std::lock_guard lock(m_c->handlesMutex);
        handles = m_c->handles;
    }
    for (const auto &[id, future] : handles) {
        if (!spinUntil(
                    [this, &f = future] {
                        takeWhatIsThere();
                        return f.isFinished();
                    },
                    patience)) {
            m_c->model.fail(
                    QStringLiteral("the future of %1 never finished").arg(m_c->model.describe(id)));
            break;
        }
    }
    if (!m_finisher->waitForDone(patience) || !m_concurrentPool->waitForDone(patience)
        || !m_customPool->waitForDone(patience)
        || !QThreadPool::globalInstance()->waitForDone(patience))
        m_c->model.fail(QStringLiteral("thread-pool work still running after %1 ms").arg(patience));
    QCoreApplication::sendPostedEvents();
    QCoreApplication::processEvents();
    if (alive
        && !spinUntil(
                [this] {
                    takeWhatIsThere();
                    return m_c->group->isIdle();
                },
                patience))
        m_c->model.fail(
                QStringLiteral("the group never became idle: %1").arg(stateOf(*m_c->group)));

    const bool continueOnFailure = !m_policyCancel || m_c->model.failuresThrown() == 0;
    const bool strict = alive && !m_anyCancel && continueOnFailure;
    const bool collects = m_kind != Kind::Group && m_kind != Kind::Pool;
    m_c->model.check(strict && collects, alive, strict);

    // The futures of value tasks carry their values.
    if (strict) {
        std::lock_guard lock(m_c->handlesMutex);
        for (const auto &[id, future] : m_c->valueHandles) {
            const TaskInfo task = m_c->model.info(id);
            if (task.produced && !task.threw
                && (future.resultCount() != 1 || future.result() != id))
                m_c->model.fail(QStringLiteral("the future of task %1 holds %2 results")
                                        .arg(id)
                                        .arg(future.resultCount()));
        }
    }

    totals.ops += m_c->model.ops;
    totals.tasks += m_c->model.taskCount();
    totals.failures += m_c->model.failuresThrown();
    totals.rethrown += m_c->model.failuresRethrown();
    totals.rounds += m_rounds;
    totals.canceled += m_anyCancel && alive;
    totals.destroyed += !alive;
    totals.network += m_network;

    if (alive) {
        std::unique_lock lock(m_c->model.aliveLock);
        m_c->model.alive = false;
    }
    // Everything made on the owner thread goes on it.
    delete m_dialog;
    m_dialog = nullptr;
    m_qthreads.clear();
    m_nam.reset();
    m_timerContext.reset();
    m_customPool.reset();
    m_finisher.reset();
    m_concurrentPool.reset();
    if (m_gateHeld)
        m_gate.finish();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    {
        std::lock_guard lock(g_currentMutex);
        g_current.reset();
    }
    return m_c->model.ok();
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    g_previousHandler = qInstallMessageHandler(messageHandler);

    Options options;
    options.seed = std::uint64_t(QDateTime::currentMSecsSinceEpoch());
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        const QString &arg = args[i];
        const auto value = [&] { return i + 1 < args.size() ? args[++i] : QString(); };
        if (arg == QLatin1String("--seed")) {
            options.seed = value().toULongLong();
        } else if (arg == QLatin1String("--ops")) {
            options.ops = value().toLongLong();
        } else if (arg == QLatin1String("--seconds")) {
            options.seconds = value().toDouble();
        } else if (arg == QLatin1String("--long")) {
            options.ops = 1000000;
            options.seconds = 0;
        } else if (arg == QLatin1String("--episode")) {
            options.episodeSeed = value().toULongLong();
        } else if (arg == QLatin1String("--no-network")) {
            options.network = false;
        } else if (arg == QLatin1String("--network")) {
            options.networkPercent = value().toInt();
        } else if (arg == QLatin1String("--patience")) {
            options.patienceMs = value().toInt();
        } else if (arg == QLatin1String("--verbose")) {
            options.verbose = true;
        } else {
            std::fprintf(stderr,
                         "usage: tst_stress [--seed N] [--ops N] [--seconds S] [--long] "
                         "[--episode SEED] [--no-network] [--network PERCENT] [--patience MS] "
                         "[--verbose]\n"
                         "  default: a short pass of --seconds 4; --long: 1000000 operations, no "
                         "time limit\n");
            return 2;
        }
    }
    std::printf("tst_stress: seed %llu (again: tst_stress --seed %llu%s)\n",
                static_cast<unsigned long long>(options.seed),
                static_cast<unsigned long long>(options.seed),
                options.ops ? qPrintable(QStringLiteral(" --ops %1").arg(options.ops)) : "");
    std::fflush(stdout);

    StressServer server(answer);
    if (options.network && !server.start()) {
        std::fprintf(stderr, "tst_stress: the local HTTP server did not start\n");
        return 1;
    }

    // No hang: an episode that makes no progress for this long aborts the run with its seed.
    std::atomic<qint64> lastProgress { 0 };
    std::atomic<bool> stop { false };
    QElapsedTimer clock;
    clock.start();
    QString current;
    std::mutex currentMutex;
    std::thread watchdog([&] {
        while (!stop) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            if (clock.elapsed() - lastProgress.load() > 240000) {
                std::lock_guard lock(currentMutex);
                std::fprintf(stderr, "tst_stress: HANG: no progress for 240 s in %s\n",
                             qPrintable(current));
                std::abort();
            }
        }
    });

    Totals totals;
    bool ok = true;
    for (int index = 0;; ++index) {
        if (options.episodeSeed && index > 0)
            break;
        if (!options.episodeSeed) {
            if (options.ops && totals.ops >= options.ops)
                break;
            if (options.seconds > 0 && clock.elapsed() >= qint64(options.seconds * 1000))
                break;
        }
        const std::uint64_t seed = options.episodeSeed ? *options.episodeSeed
                                                       : mix(options.seed, std::uint64_t(index));
        Rng pick(seed ^ 0x5bd1e995);
        const bool network = options.network && pick.chance(options.networkPercent);
        const bool otherThread = pick.chance(15);
        Episode episode(options, index, seed, network, server.url());
        bool passed = true;
        {
            std::lock_guard lock(currentMutex);
            current = QStringLiteral("episode %1 (seed %2)").arg(index).arg(seed);
        }
        if (otherThread) {
            std::thread owner([&] { passed = episode.run(totals); });
            owner.join();
            ++totals.onOtherThread;
        } else {
            passed = episode.run(totals);
        }
        ++totals.episodes;
        lastProgress = clock.elapsed();
        if (options.verbose || !passed)
            std::printf("%s%s\n", passed ? "ok   " : "FAIL ", qPrintable(episode.describe()));
        if (!passed) {
            for (const QString &error : episode.errors())
                std::printf("    %s\n", qPrintable(error));
            std::printf("    again: tst_stress --episode %llu\n",
                        static_cast<unsigned long long>(seed));
            ok = false;
            break;
        }
        std::lock_guard lock(g_warningMutex);
        if (!g_unexpectedWarnings.isEmpty()) {
            std::printf("FAIL %s: unexpected warnings:\n", qPrintable(episode.describe()));
            for (const QString &warning : g_unexpectedWarnings)
                std::printf("    %s\n", qPrintable(warning));
            ok = false;
            break;
        }
    }
    stop = true;
    watchdog.join();

    std::printf("tst_stress: %s in %.1f s: %lld operations, %lld episodes (%lld with network jobs, "
                "%lld owned by a thread without QThread), %lld rounds, %lld tasks, %lld task "
                "failures (%lld rethrown), %lld canceled, %lld destroyed under load; %d expected "
                "warnings\n",
                ok ? "PASS" : "FAIL", double(clock.elapsed()) / 1000.0,
                static_cast<long long>(totals.ops), static_cast<long long>(totals.episodes),
                static_cast<long long>(totals.network),
                static_cast<long long>(totals.onOtherThread), static_cast<long long>(totals.rounds),
                static_cast<long long>(totals.tasks), static_cast<long long>(totals.failures),
                static_cast<long long>(totals.rethrown), static_cast<long long>(totals.canceled),
                static_cast<long long>(totals.destroyed), g_expectedWarnings.load());
    return ok ? 0 : 1;
}
