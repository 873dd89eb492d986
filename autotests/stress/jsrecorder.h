// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// tst_stress_qml's bridge: what its JavaScript tasks ask the model for and tell it.

#ifndef STRESS_JSRECORDER_H
#define STRESS_JSRECORDER_H

#include "model.h"
#include "stressserver.h"

#include <QtCore/QObject>
#include <QtCore/QTimer>
#include <QtCore/QUrl>
#include <QtCore/QVariantList>
#include <QtQml/QJSValue>

#include <map>

namespace Stress {

// What JavaScript tasks call back: the plans of new tasks, and what they did.
class Recorder : public QObject
{
    Q_OBJECT

public:
    Recorder(Model &model, std::uint64_t seed, int episode, QUrl site, int maxDepth)
        : m_model(model), m_rng(seed), m_episode(episode), m_site(std::move(site)),
          m_maxDepth(maxDepth)
    {
    }

    // [id, mode, fail, delayMs, nested, depth, url]; mode 0: return a value (or throw), 1: return
    // nothing, 2: a promise settled by a timer, 3: a promise settled already, 4: Http.get().
    Q_INVOKABLE QVariantList plan(int stream, int depth)
    {
        ++m_model.ops;
        const int mode = m_rng.below(m_site.isEmpty() ? 4 : 5);
        const bool fail = mode != 1 && m_rng.chance(5);
        const int seq = m_seq[stream]++;
        const int id = m_model.add(modeName(mode), stream, seq, mode != 1 && !fail, mode != 4);
        const int delayMs = m_rng.below(4);
        const int nested = depth < m_maxDepth && m_rng.chance(10) ? m_rng.between(1, 3) : 0;
        const QString url = mode == 4
                ? StressServer::urlFor(m_site, m_episode, id, fail, delayMs).toString()
                : QString();
        return { id, mode, fail, delayMs, nested, depth, url };
    }
    Q_INVOKABLE int newStream() { return m_nextStream++; }
    Q_INVOKABLE void enter() { m_model.enter(); }
    Q_INVOKABLE void leave() { m_model.leave(); }
    Q_INVOKABLE void produced(int id) { m_model.produced(id); }
    Q_INVOKABLE void threw(int id) { m_model.threw(id); }
    Q_INVOKABLE void later(int ms, const QJSValue &fn)
    {
        QTimer::singleShot(ms, this, [fn]() mutable {
            const QJSValue result = fn.call();
            if (result.isError())
                qWarning("tst_stress_qml: a timer callback threw: %s",
                         qPrintable(result.toString()));
        });
    }
    int putId()
    {
        const int id = m_model.add("put", 0, m_seq[0]++, true, false, true);
        m_model.produced(id);
        return id;
    }

private:
    static const char *modeName(int mode)
    {
        static const char *const names[] = { "value", "void", "promise, timer", "promise, settled",
                                             "Http.get()" };
        return names[mode];
    }

    Model &m_model;
    Rng m_rng;
    const int m_episode;
    const QUrl m_site;
    const int m_maxDepth;
    int m_nextStream = 1;
    std::map<int, int> m_seq;
};

} // namespace Stress

#endif // STRESS_JSRECORDER_H
