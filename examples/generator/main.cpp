// SPDX-License-Identifier: Apache-2.0

// Results as they complete, the way a Python generator hands them out: "fetch" N fake pages
// (futures that a timer finishes after a pseudo-random delay) and read the results
//  (a) from a Bag in a range-for over bag.yielding(): in the order the pages complete;
//  (b) from an OrderedBag in the same loop: in spawn order, an early page waiting for its turn;
//  (c) from a Bag the Qt way: resultReady connected to a slot, then join();
//  (d) from a Bag, leaving the loop early: that cancels the pages not fetched yet.

#include <AioUtils/Bag>
#include <AioUtils/OrderedBag>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QPromise>
#include <QtCore/QRandomGenerator>
#include <QtCore/QStringList>
#include <QtCore/QTimer>
#include <QtCore/QVariant>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <memory>
#include <vector>

namespace {

struct Options
{
    int count = 10;
    int poolSize = 4; // 0: unlimited
    int maxMs = 300;
    int seed = 1;
};

int failedChecks = 0;

// An internal check: the program exits with 1 if any fails.
void check(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "generator: check failed: %s\n", what);
        ++failedChecks;
    }
}

QString pageText(int page, int ms)
{
    return QStringLiteral("page %1 (%2 ms)").arg(page).arg(ms);
}

// A fake web server. fetch(page) returns at once a future that a timer finishes with
// "page <n> (<delay> ms)" after that page's delay. Nothing blocks: the bag's thread only has to
// spin its events, which next(), yielding() and join() do. The timers are children of the server,
// so those still pending (canceled fetches) go with it.
class FakeServer
{
public:
    explicit FakeServer(const std::vector<int> &delays)
        : m_delays(delays), m_readyAt(delays.size(), -1)
    {
        m_clock.start();
    }

    QFuture<QString> fetch(int page)
    {
        ++m_started;
        const int ms = m_delays.at(std::size_t(page));
        auto promise = std::make_shared<QPromise<QString>>();
        promise->start();
        auto *timer = new QTimer(&m_timers);
        timer->setSingleShot(true);
        timer->setTimerType(Qt::PreciseTimer);
        QObject::connect(timer, &QTimer::timeout, timer, [this, timer, promise, page, ms] {
            // A fetch the bag canceled has nobody waiting for it any more.
            if (!promise->isCanceled()) {
                m_readyAt[std::size_t(page)] = m_clock.elapsed();
                ++m_completed;
                promise->addResult(pageText(page, ms));
            }
            promise->finish();
            timer->deleteLater();
        });
        timer->start(ms);
        return promise->future();
    }

    // Every page, in spawn order.
    QStringList expected() const
    {
        QStringList pages;
        for (std::size_t page = 0; page < m_delays.size(); ++page)
            pages.append(pageText(int(page), m_delays[page]));
        return pages;
    }

    qint64 readyAt(int page) const { return m_readyAt.at(std::size_t(page)); }
    int started() const { return m_started; }
    int completed() const { return m_completed; }

    // "[  123 ms] text": the time since this server (this run) began.
    void print(const QString &text) const
    {
        std::printf("  [%5lld ms] %s\n", static_cast<long long>(m_clock.elapsed()),
                    qPrintable(text));
        std::fflush(stdout);
    }

private:
    const std::vector<int> m_delays;
    std::vector<qint64> m_readyAt;
    QElapsedTimer m_clock;
    QObject m_timers;
    int m_started = 0;
    int m_completed = 0;
};

QString bagName(const char *type, int poolSize)
{
    return poolSize == 0 ? QStringLiteral("%1 (unlimited)").arg(QLatin1String(type))
                         : QStringLiteral("%1(%2)").arg(QLatin1String(type)).arg(poolSize);
}

void printTitle(const QString &title)
{
    std::printf("\n%s\n", qPrintable(title));
    std::fflush(stdout);
}

QStringList sorted(QStringList list)
{
    list.sort();
    return list;
}

// The checks every complete run shares: all pages arrived once, every task ended, none failed.
void checkComplete(const AioUtils::Bag &bag, const FakeServer &server, const QStringList &received,
                   int count)
{
    check(sorted(received) == sorted(server.expected()), "every page arrives exactly once");
    check(bag.spawnedCount() == count, "spawnedCount is --count");
    check(bag.finishedCount() == count, "finishedCount is --count");
    check(bag.failedCount() == 0, "no task failed");
    check(bag.isIdle(), "the bag is idle after the last result");
}

// (a) for page in bag: the results in the order they complete.
void runBag(const Options &o, const std::vector<int> &delays)
{
    printTitle(QStringLiteral("(a) %1, generator style: for (const QVariant &v : bag.yielding())"
                              " -- in completion order")
                       .arg(bagName("Bag", o.poolSize)));
    FakeServer server(delays); // before the bag: it outlives the tasks that use it
    AioUtils::Bag bag(o.poolSize);
    for (int page = 0; page < o.count; ++page)
        bag.spawn([&server, page] { return server.fetch(page); });

    QStringList received;
    for (const QVariant &result : bag.yielding()) {
        server.print(result.toString());
        received.append(result.toString());
    }
    checkComplete(bag, server, received, o.count);
    check(bag.bufferedCount() == 0, "the loop took every result");
}

// (b) The same loop over an OrderedBag: spawn order. A page that is ready early waits for the
// pages before it.
void runOrderedBag(const Options &o, const std::vector<int> &delays)
{
    printTitle(QStringLiteral("(b) %1, the same loop -- in spawn order")
                       .arg(bagName("OrderedBag", o.poolSize)));
    FakeServer server(delays);
    AioUtils::OrderedBag bag(o.poolSize);
    for (int page = 0; page < o.count; ++page)
        bag.spawn([&server, page] { return server.fetch(page); });

    QStringList received;
    for (const QVariant &result : bag.yielding()) {
        const int page = int(received.size());
        QString line = QStringLiteral("%1").arg(result.toString(), -20);
        if (page < o.count)
            line += QStringLiteral(" ready at %1 ms").arg(server.readyAt(page), 5);
        server.print(line);
        received.append(result.toString());
    }
    check(received == server.expected(), "an OrderedBag yields the pages in spawn order");
    checkComplete(bag, server, received, o.count);
    check(bag.bufferedCount() == 0, "the loop took every result");
}

// (c) The signal style: a slot sees each result as it is delivered, join() waits for the round.
void runSignals(const Options &o, const std::vector<int> &delays)
{
    printTitle(QStringLiteral("(c) %1, signal style: resultReady -> slot, then join()")
                       .arg(bagName("Bag", o.poolSize)));
    FakeServer server(delays);
    AioUtils::Bag bag(o.poolSize);
    QStringList received;
    QObject::connect(&bag, &AioUtils::Bag::resultReady, &bag, [&](const QVariant &result) {
        server.print(result.toString());
        received.append(result.toString());
    });
    for (int page = 0; page < o.count; ++page)
        bag.spawn([&server, page] { return server.fetch(page); });

    const bool joined = bag.join();
    check(joined, "join() without a deadline returns true");
    checkComplete(bag, server, received, o.count);

    // resultReady shows a result, it does not take it: the bag keeps each one until taken.
    const int kept = bag.bufferedCount();
    const QVariantList taken = bag.takeAll();
    server.print(QStringLiteral("join() returned; the bag still kept %1 results, takeAll() took %2")
                         .arg(kept)
                         .arg(taken.size()));
    check(kept == o.count, "the bag keeps every result that resultReady showed");
    check(taken.size() == o.count && bag.bufferedCount() == 0, "takeAll() takes them all");
}

// (d) Leaving the loop early closes the generator: the bag's remaining tasks are canceled.
void runEarlyExit(const Options &o, const std::vector<int> &delays)
{
    const int wanted = std::max(1, o.count / 3);
    printTitle(QStringLiteral("(d) %1, leaving the loop after %2 results cancels the rest")
                       .arg(bagName("Bag", o.poolSize))
                       .arg(wanted));
    FakeServer server(delays);
    AioUtils::Bag bag(o.poolSize);
    for (int page = 0; page < o.count; ++page)
        bag.spawn([&server, page] { return server.fetch(page); });

    int taken = 0;
    for (const QVariant &result : bag.yielding()) {
        server.print(result.toString());
        if (++taken == wanted)
            break; // bag.yielding()'s range, destroyed here, cancels the bag's remaining tasks
    }
    // Results that arrived before the break and were not taken stay in the bag.
    const int left = int(bag.takeAll().size());
    const int results = taken + left;
    const int canceled = bag.finishedCount() - results;
    server.print(QStringLiteral("after the break: idle %1, %2 of %3 tasks finished: %4 with a "
                                "result (%5 taken, %6 left in the bag), %7 canceled (%8 of them "
                                "never started)")
                         .arg(bag.isIdle() ? QStringLiteral("yes") : QStringLiteral("no"))
                         .arg(bag.finishedCount())
                         .arg(bag.spawnedCount())
                         .arg(results)
                         .arg(taken)
                         .arg(left)
                         .arg(canceled)
                         .arg(o.count - server.started()));
    check(bag.isIdle(), "the bag is idle right after the loop was left");
    check(bag.spawnedCount() == o.count && bag.finishedCount() == o.count,
          "every task is accounted for after the loop was left");
    check(bag.failedCount() == 0, "no task failed");
    check(taken == std::min(wanted, o.count), "the loop ran until the break");
    // A page the server finished just before the cancel may not have reached the bag: its task
    // was canceled, so there can be fewer results than finished fetches, never more.
    check(results <= server.completed(), "no result without a finished fetch");
    check(canceled >= 0, "finishedCount counts the results' tasks");
}

// Reads an integer option of at least `min`; false (with a message) if it is not one.
bool readInt(const QCommandLineParser &parser, const QCommandLineOption &option, int min,
             int *value)
{
    if (!parser.isSet(option))
        return true;
    bool ok = false;
    const QString text = parser.value(option);
    const int number = text.toInt(&ok);
    if (!ok || number < min) {
        std::fprintf(stderr, "generator: --%s must be an integer >= %d, not \"%s\"\n",
                     qPrintable(option.names().constFirst()), min, qPrintable(text));
        return false;
    }
    *value = number;
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("generator"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
            "Fetches N fake pages (timers with pseudo-random delays) into an AioUtils::Bag and an "
            "AioUtils::OrderedBag, and reads the results as they complete: in a range-for over "
            "yielding(), through the resultReady signal, and leaving the loop early."));
    parser.addHelpOption();
    const QCommandLineOption countOption(QStringLiteral("count"),
                                         QStringLiteral("Pages to fetch (default 10)."),
                                         QStringLiteral("n"));
    const QCommandLineOption poolOption(
            QStringLiteral("pool"),
            QStringLiteral("Fetches at once; 0 means unlimited (default 4)."), QStringLiteral("n"));
    const QCommandLineOption maxMsOption(
            QStringLiteral("max-ms"),
            QStringLiteral("The longest fetch in milliseconds (default 300)."),
            QStringLiteral("ms"));
    const QCommandLineOption seedOption(
            QStringLiteral("seed"), QStringLiteral("Seed of the pseudo-random delays (default 1)."),
            QStringLiteral("n"));
    parser.addOptions({ countOption, poolOption, maxMsOption, seedOption });

    if (!parser.parse(QCoreApplication::arguments())) {
        std::fprintf(stderr, "generator: %s\nTry --help.\n", qPrintable(parser.errorText()));
        return 2;
    }
    // Valid options now: process() only acts on --help.
    parser.process(app);
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "generator: unexpected argument \"%s\"\nTry --help.\n",
                     qPrintable(parser.positionalArguments().constFirst()));
        return 2;
    }

    Options o;
    if (!readInt(parser, countOption, 1, &o.count) || !readInt(parser, poolOption, 0, &o.poolSize)
        || !readInt(parser, maxMsOption, 0, &o.maxMs) || !readInt(parser, seedOption, 0, &o.seed)) {
        return 2;
    }

    // The same delays for every run, so the runs can be compared.
    QRandomGenerator random(quint32(o.seed));
    std::vector<int> delays;
    QStringList shown;
    for (int page = 0; page < o.count; ++page) {
        delays.push_back(int(random.bounded(quint32(o.maxMs) + 1)));
        shown.append(QString::number(delays.back()));
    }
    std::printf("fetching %d fake pages, at most %s at once; delays in ms (seed %d), in spawn "
                "order: %s\n",
                o.count, o.poolSize == 0 ? "all" : qPrintable(QString::number(o.poolSize)), o.seed,
                qPrintable(shown.join(QStringLiteral(" "))));

    try {
        runBag(o, delays);
        runOrderedBag(o, delays);
        runSignals(o, delays);
        runEarlyExit(o, delays);
    } catch (const std::exception &e) {
        // next() (each step of yielding()) and join() rethrow a task's failure.
        std::fprintf(stderr, "generator: a fetch failed: %s\n", e.what());
        return 1;
    }

    if (failedChecks > 0) {
        std::fprintf(stderr, "generator: %d checks failed\n", failedChecks);
        return 1;
    }
    std::printf("\nall checks passed\n");
    return 0;
}
