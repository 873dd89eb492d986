// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// tst_stress_qml: tst_stress's model (model.h) for the QML types and JavaScript tasks: random
// spawns of JavaScript functions (values, throws, void, promises settled later or at once,
// Http.get() from the local server, tasks that spawn tasks), consumers from C++ and QML, and
// endings that cancel, destroy the group, or destroy the QML engine under it. See README.md.

#include "episodeutil.h"
#include "jsrecorder.h"
#include "model.h"
#include "stressserver.h"

#include <AioUtils/Bag>
#include <AioUtils/Group>
#include <AioUtils/Pool>

#include <QtCore/QCoreApplication>
#include <QtCore/QDateTime>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QPointer>
#include <QtCore/QPromise>
#include <QtCore/QTimer>
#include <QtQml/QJSValue>
#include <QtQml/QQmlComponent>
#include <QtQml/QQmlEngine>

#include <cstdio>
#include <map>
#include <memory>
#include <optional>

using namespace Stress;

namespace {

QStringList g_warnings;
QtMessageHandler g_previousHandler = nullptr;

void messageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type == QtDebugMsg || type == QtInfoMsg)
        return;
    g_warnings << message;
    g_previousHandler(type, context, message);
}

int valueId(const QVariant &value)
{
    if (value.metaType() == QMetaType::fromType<QJSValue>())
        return idOf(value.value<QJSValue>().toVariant());
    return idOf(value);
}

// The episode's root object: one of the four types, with the JavaScript that makes the tasks.
QByteArray document(const char *type, const QString &sizeLine)
{
    return QStringLiteral(R"qml(
import QtQml
import AioUtils
%1 {
    %2
    property QtObject rec
    function job(p) {
        const id = p[0], mode = p[1], fail = p[2], delay = p[3], nested = p[4], depth = p[5];
        return () => {
            if (mode !== 4)
                rec.enter();
            if (nested > 0) {
                const stream = rec.newStream();
                for (let i = 0; i < nested; ++i)
                    spawn(job(rec.plan(stream, depth + 1)));
            }
            const settle = (resolve, reject) => {
                rec.leave();
                if (fail) {
                    rec.threw(id);
                    reject(new Error("stress failure #" + id));
                } else {
                    rec.produced(id);
                    resolve(id);
                }
            };
            switch (mode) {
            case 0: {
                let value;
                settle((v) => { value = v; }, (e) => { throw e; });
                return value;
            }
            case 1:
                rec.leave();
                return undefined;
            case 2:
                return new Promise((resolve, reject) => rec.later(delay, () => settle(resolve, reject)));
            case 3:
                return new Promise(settle);
            default:
                return Http.get(p[6]).then((body) => {
                    rec.produced(id);
                    return parseInt(body);
                }, (error) => {
                    rec.threw(id);
                    throw error;
                });
            }
        };
    }
    function spawnPlan(p) { spawn(job(p)); }
    function putValue(id) { put(id); }
    function takeAllFromQml() { return takeAll().map((v) => Number(v)); }
}
)qml")
            .arg(QLatin1String(type), sizeLine)
            .toUtf8();
}

class Episode
{
public:
    Episode(int index, std::uint64_t seed, QUrl site, int patience)
        : m_index(index), m_seed(seed), m_rng(seed), m_site(std::move(site)), m_patience(patience)
    {
    }
    bool run(Totals &totals);
    QString describe() const
    {
        return QStringLiteral("episode %1 (seed %2): %3, %4 ops, ending \"%5\"")
                .arg(m_index)
                .arg(m_seed)
                .arg(m_type)
                .arg(m_phaseOps)
                .arg(QLatin1String(m_endingName));
    }
    QStringList errors() const { return m_model.errors(); }

private:
    void consume(const QVariant &value) { m_model.taken(valueId(value)); }
    void takeWhatIsThere()
    {
        if (m_bag) {
            for (const QVariant &value : m_bag->takeAll())
                consume(value);
        }
    }
    void rethrown(const char *where)
    {
        const QString message = messageOf(std::current_exception());
        const int id = idOf(message);
        if (id < 0)
            m_model.fail(QStringLiteral("%1 rethrew something that is no task's failure: %2")
                                 .arg(QLatin1String(where), message));
        else
            m_model.failureRethrown(id, where);
    }
    void spawnOne(int stream)
    {
        ++m_jsSpawned;
        const QVariantList plan = m_recorder->plan(stream, 0);
        QMetaObject::invokeMethod(m_root, "spawnPlan", Q_ARG(QVariant, QVariant(plan)));
    }

    const int m_index;
    const std::uint64_t m_seed;
    Rng m_rng;
    const QUrl m_site;
    const int m_patience;
    Model m_model;
    QString m_type;
    const char *m_endingName = "";
    int m_phaseOps = 0;
    std::unique_ptr<Recorder> m_recorder;
    QObject *m_root = nullptr;
    AioUtils::Group *m_group = nullptr;
    AioUtils::Bag *m_bag = nullptr;
    int m_rounds = 0;
    int m_jsSpawned = 0;
};

bool Episode::run(Totals &totals)
{
    auto engine = std::make_unique<QQmlEngine>();
    engine->addImportPath(QStringLiteral(AIOUTILS_QML_IMPORT_PATH));
    static const char *const types[] = { "Group", "Pool", "Bag", "OrderedBag" };
    const int kind = m_rng.below(4);
    const int size = m_rng.between(1, 5);
    const bool sized = kind == 1 || m_rng.chance(50);
    const QString sizeLine = !sized ? QString()
            : kind == 1             ? QStringLiteral("size: %1").arg(size)
                                    : QStringLiteral("maxConcurrency: %1").arg(size);
    m_type = QLatin1String(types[kind]) + (sized ? QStringLiteral("(%1)").arg(size) : QString());
    const bool bag = kind >= 2;
    const int maxDepth = m_rng.chance(50) ? 2 : 0;
    m_recorder = std::make_unique<Recorder>(m_model, m_rng.next(), m_index,
                                            m_rng.chance(15) ? m_site : QUrl(), maxDepth);
    m_model.setOrdered(kind == 3);
    m_model.limitChanged(sized ? size : 0);
    m_model.bufferLimitChanged(0);

    QQmlComponent component(engine.get());
    component.setData(document(types[kind], sizeLine), QUrl());
    m_root = component.createWithInitialProperties(
            { { QStringLiteral("rec"), QVariant::fromValue<QObject *>(m_recorder.get()) } });
    if (!m_root) {
        m_model.fail(component.errorString());
        return false;
    }
    QQmlEngine::setObjectOwnership(m_root, QQmlEngine::CppOwnership);
    m_group = qobject_cast<AioUtils::Group *>(m_root);
    m_bag = qobject_cast<AioUtils::Bag *>(m_root);
    QObject::connect(m_group, &AioUtils::Group::taskFailed, m_group,
                     [this](const QString &message) { m_model.failureSignaled(idOf(message)); });
    QObject::connect(m_group, &AioUtils::Group::finished, m_group, [this] { ++m_rounds; });
    if (m_bag) {
        QObject::connect(m_bag, &AioUtils::Bag::resultReady, m_bag,
                         [this](const QVariant &value) { m_model.signaled(valueId(value)); });
    }

    QPromise<void> gate;
    gate.start();
    m_group->spawn(gate.future());
    bool gateHeld = true;
    bool canceled = false;
    const int ownerStream = 0;
    m_phaseOps = m_rng.between(1, 80);
    for (int i = 0; i < m_phaseOps; ++i) {
        const int op = m_rng.below(100);
        ++m_model.ops;
        if (op < 50) {
            spawnOne(ownerStream);
        } else if (op < 58 && m_bag) {
            QMetaObject::invokeMethod(m_root, "putValue", Q_ARG(QVariant, m_recorder->putId()));
        } else if (op < 68) {
            spin(m_rng.below(3));
        } else if (op < 76 && m_bag) {
            try {
                if (const std::optional<QVariant> value =
                            m_bag->next(QDeadlineTimer(m_rng.below(3))))
                    consume(*value);
            } catch (...) {
                rethrown("next(deadline)");
            }
        } else if (op < 82 && m_bag) {
            QVariant taken;
            QMetaObject::invokeMethod(m_root, "takeAllFromQml", Q_RETURN_ARG(QVariant, taken));
            const QVariantList values = taken.metaType() == QMetaType::fromType<QJSValue>()
                    ? taken.value<QJSValue>().toVariant().toList()
                    : taken.toList();
            for (const QVariant &value : values)
                consume(value);
        } else if (op < 86) {
            try {
                if (m_group->join(QDeadlineTimer(m_rng.below(3))) && gateHeld)
                    m_model.fail(QStringLiteral(
                            "join(deadline) returned true while the gate holds the round"));
            } catch (...) {
                rethrown("join(deadline)");
            }
        } else if (op < 90) {
            const int limit = m_rng.between(1, 5);
            if (m_bag && m_rng.chance(50)) {
                m_model.bufferLimitChanged(limit);
                m_bag->setBufferLimit(limit);
            } else if (kind == 1 || sized) {
                m_model.limitChanged(limit);
                m_group->setMaxConcurrency(limit);
            }
        } else if (op < 93 && gateHeld) {
            gate.finish();
            gateHeld = false;
        }
    }
    if (gateHeld)
        gate.finish();

    QTimer taker;
    QObject::connect(&taker, &QTimer::timeout, m_group, [this] { takeWhatIsThere(); });
    taker.start(1);
    bool alive = true;
    bool rethrew = false;
    bool joinedOk = true;
    switch (m_rng.below(m_bag ? 5 : 4)) {
    case 0:
        m_endingName = "join";
        try {
            joinedOk = m_group->join(QDeadlineTimer(m_patience));
        } catch (...) {
            rethrew = true;
            rethrown("join()");
        }
        break;
    case 1:
        m_endingName = "cancel";
        canceled = true;
        m_model.allMayBeLost();
        m_model.stopCheckingLimits();
        m_group->cancel();
        break;
    case 2:
        m_endingName = "destroy the group";
        canceled = true;
        m_model.allMayBeLost();
        m_model.stopCheckingLimits();
        delete m_root;
        m_root = nullptr;
        alive = false;
        break;
    case 3:
        m_endingName = "destroy the engine";
        canceled = true;
        m_model.allMayBeLost();
        m_model.stopCheckingLimits();
        engine.reset();
        // The engine's end cancels a group that has run JavaScript.
        if (m_jsSpawned > 0 && !m_group->isIdle())
            m_model.fail(
                    QStringLiteral(
                            "the group is not idle once its engine is gone: running %1, queued %2")
                            .arg(m_group->runningCount())
                            .arg(m_group->queuedCount()));
        break;
    default:
        m_endingName = "yielding()";
        taker.stop();
        try {
            for (const QVariant &value : m_bag->yielding())
                consume(value);
        } catch (...) {
            rethrew = true;
            rethrown("yielding()");
        }
        taker.start(1);
        break;
    }
    if (!joinedOk)
        m_model.fail(QStringLiteral("join() did not end within %1 ms").arg(m_patience));
    if (alive
        && !spinUntil(
                [this] {
                    takeWhatIsThere();
                    return m_group->isIdle();
                },
                m_patience))
        m_model.fail(QStringLiteral("the group never became idle: running %1, queued %2")
                             .arg(m_group->runningCount())
                             .arg(m_group->queuedCount()));
    const bool strict = alive && !canceled;
    m_model.check(strict && bag, alive, strict);
    // One round: its failure, if any, was rethrown once (at the end, or by a wait in the phase
    // after the gate opened).
    if (strict && m_rounds == 1
        && m_model.failuresRethrown() != (m_model.failuresThrown() > 0 ? 1 : 0))
        m_model.fail(QStringLiteral("%1 tasks failed in one round, and %2 failures were rethrown "
                                    "(the end %3)")
                             .arg(m_model.failuresThrown())
                             .arg(m_model.failuresRethrown())
                             .arg(QLatin1String(rethrew ? "rethrew" : "did not rethrow")));

    totals.ops += m_model.ops;
    totals.tasks += m_model.taskCount();
    totals.failures += m_model.failuresThrown();
    totals.rethrown += m_model.failuresRethrown();
    totals.rounds += m_rounds;
    totals.destroyed += !alive || !engine;
    taker.stop();
    delete m_root;
    engine.reset();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    return m_model.ok();
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    g_previousHandler = qInstallMessageHandler(messageHandler);
    std::uint64_t seed = std::uint64_t(QDateTime::currentMSecsSinceEpoch());
    qint64 maxOps = 0;
    double seconds = 4;
    int patience = 60000;
    std::optional<std::uint64_t> only;
    bool verbose = false;
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        const auto value = [&] { return i + 1 < args.size() ? args[++i] : QString(); };
        if (args[i] == QLatin1String("--seed")) {
            seed = value().toULongLong();
        } else if (args[i] == QLatin1String("--ops")) {
            maxOps = value().toLongLong();
        } else if (args[i] == QLatin1String("--seconds")) {
            seconds = value().toDouble();
        } else if (args[i] == QLatin1String("--long")) {
            maxOps = 1000000;
            seconds = 0;
        } else if (args[i] == QLatin1String("--episode")) {
            only = value().toULongLong();
        } else if (args[i] == QLatin1String("--patience")) {
            patience = value().toInt();
        } else if (args[i] == QLatin1String("--verbose")) {
            verbose = true;
        } else {
            std::fprintf(stderr,
                         "usage: tst_stress_qml [--seed N] [--ops N] [--seconds S] [--long] "
                         "[--episode SEED] [--patience MS] [--verbose]\n");
            return 2;
        }
    }
    std::printf("tst_stress_qml: seed %llu (again: tst_stress_qml --seed %llu)\n",
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
    std::fflush(stdout);

    StressServer server([](const LocalSite::HttpRequest &request) {
        // Tasks' values and failures are recorded by the JavaScript that sees them.
        return StressServer::answer(request, [](int, bool, int) {});
    });
    if (!server.start()) {
        std::fprintf(stderr, "tst_stress_qml: the local HTTP server did not start\n");
        return 1;
    }

    QElapsedTimer clock;
    clock.start();
    Totals totals;
    bool ok = true;
    for (int index = 0;; ++index) {
        if (only && index > 0)
            break;
        if (!only
            && ((maxOps && totals.ops >= maxOps)
                || (seconds > 0 && clock.elapsed() >= qint64(seconds * 1000))))
            break;
        const std::uint64_t episodeSeed =
                only ? *only : Rng(seed ^ std::uint64_t(index) * 0x9e37ULL).next();
        Episode episode(index, episodeSeed, server.url(), patience);
        const bool passed = episode.run(totals);
        ++totals.episodes;
        if (verbose || !passed)
            std::printf("%s%s\n", passed ? "ok   " : "FAIL ", qPrintable(episode.describe()));
        if (!passed) {
            for (const QString &error : episode.errors())
                std::printf("    %s\n", qPrintable(error));
            std::printf("    again: tst_stress_qml --episode %llu\n",
                        static_cast<unsigned long long>(episodeSeed));
            ok = false;
            break;
        }
        if (!g_warnings.isEmpty()) {
            std::printf("FAIL %s: warnings:\n", qPrintable(episode.describe()));
            for (const QString &warning : std::as_const(g_warnings))
                std::printf("    %s\n", qPrintable(warning));
            ok = false;
            break;
        }
    }
    std::printf("tst_stress_qml: %s in %.1f s: %lld operations, %lld episodes, %lld rounds, %lld "
                "tasks, %lld task failures (%lld rethrown), %lld destroyed under load\n",
                ok ? "PASS" : "FAIL", double(clock.elapsed()) / 1000.0,
                static_cast<long long>(totals.ops), static_cast<long long>(totals.episodes),
                static_cast<long long>(totals.rounds), static_cast<long long>(totals.tasks),
                static_cast<long long>(totals.failures), static_cast<long long>(totals.rethrown),
                static_cast<long long>(totals.destroyed));
    return ok ? 0 : 1;
}
