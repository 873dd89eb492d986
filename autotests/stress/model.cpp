// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "model.h"

#include <QtCore/QByteArray>
#include <QtCore/QException>
#include <QtCore/QRegularExpression>

#include <algorithm>

namespace Stress {

int idOf(const QString &message)
{
    static const QRegularExpression pattern(QStringLiteral("(?:#|/fail/)(\\d+)"));
    const QRegularExpressionMatch match = pattern.match(message);
    return match.hasMatch() ? match.captured(1).toInt() : -1;
}

int idOf(const QVariant &value)
{
    bool ok = false;
    int id = -1;
    if (value.typeId() == QMetaType::QByteArray)
        id = value.toByteArray().toInt(&ok);
    else
        id = value.toInt(&ok);
    return ok ? id : -1;
}

QString messageOf(const std::exception_ptr &failure)
{
    try {
        std::rethrow_exception(failure);
    } catch (const QUnhandledException &e) {
        return e.exception() ? messageOf(e.exception()) : QStringLiteral("QUnhandledException");
    } catch (const std::exception &e) {
        return QString::fromUtf8(e.what());
    } catch (...) {
        return QStringLiteral("an exception of unknown type");
    }
}

int Model::add(const char *how, int stream, int seq, bool givesValue, bool limited, bool isPut)
{
    std::lock_guard lock(m_mutex);
    const int id = m_nextId++;
    TaskInfo &task = m_tasks[id];
    task.how = how;
    task.stream = stream;
    task.seq = seq;
    task.givesValue = givesValue;
    task.limited = limited;
    task.isPut = isPut;
    if (isPut || !limited)
        ++m_unheld;
    return id;
}

void Model::produced(int id)
{
    std::lock_guard lock(m_mutex);
    m_tasks[id].produced = true;
}

void Model::threw(int id)
{
    if (m_cancelOnFailure)
        m_limitsChecked = false;
    std::lock_guard lock(m_mutex);
    m_tasks[id].threw = true;
}

void Model::mayBeLost(int id)
{
    std::lock_guard lock(m_mutex);
    m_tasks[id].mayBeLost = true;
}

void Model::allMayBeLost()
{
    std::lock_guard lock(m_mutex);
    for (auto &[id, task] : m_tasks)
        task.mayBeLost = true;
}

TaskInfo Model::info(int id) const
{
    std::lock_guard lock(m_mutex);
    const auto it = m_tasks.find(id);
    return it == m_tasks.end() ? TaskInfo() : it->second;
}

QString Model::describe(int id) const
{
    const TaskInfo task = info(id);
    return QStringLiteral("task %1 (%2, stream %3 place %4%5%6%7%8)")
            .arg(id)
            .arg(QLatin1String(task.how))
            .arg(task.stream)
            .arg(task.seq)
            .arg(task.produced ? QStringLiteral(", produced") : QString())
            .arg(task.threw ? QStringLiteral(", threw") : QString())
            .arg(task.mayBeLost ? QStringLiteral(", canceled") : QString())
            .arg(task.isPut ? QStringLiteral(", put") : QString());
}

int Model::taskCount() const
{
    std::lock_guard lock(m_mutex);
    return int(m_tasks.size());
}

void Model::orderedLocked(const std::map<int, int> &lastSeq, int id, const char *what)
{
    const TaskInfo &task = m_tasks[id];
    const auto it = lastSeq.find(task.stream);
    if (it != lastSeq.end() && it->second > task.seq) {
        m_errors << QStringLiteral("OrderedBag %1 result %2 (stream %3, place %4) after place %5 "
                                   "of the same stream")
                            .arg(QLatin1String(what))
                            .arg(id)
                            .arg(task.stream)
                            .arg(task.seq)
                            .arg(it->second);
    }
}

void Model::taken(int id)
{
    std::lock_guard lock(m_mutex);
    const auto it = m_tasks.find(id);
    if (it == m_tasks.end() || !it->second.givesValue) {
        m_errors << QStringLiteral("took a result %1 that no task or put() made").arg(id);
        return;
    }
    if (!it->second.produced)
        m_errors << QStringLiteral("took result %1 before its task produced it").arg(id);
    if (!m_taken.insert(id).second)
        m_errors << QStringLiteral("result %1 taken twice").arg(id);
    if (!m_signaled.count(id))
        m_errors << QStringLiteral("result %1 taken without resultReady before").arg(id);
    if (m_ordered) {
        orderedLocked(m_lastTakenSeq, id, "taken");
        m_lastTakenSeq[it->second.stream] =
                std::max(m_lastTakenSeq[it->second.stream], it->second.seq);
    }
}

void Model::signaled(int id)
{
    std::lock_guard lock(m_mutex);
    const auto it = m_tasks.find(id);
    if (it == m_tasks.end() || !it->second.givesValue) {
        m_errors << QStringLiteral("resultReady(%1): no task or put() made it").arg(id);
        return;
    }
    if (!it->second.produced)
        m_errors << QStringLiteral("resultReady(%1) before its task produced it").arg(id);
    if (!m_signaled.insert(id).second)
        m_errors << QStringLiteral("resultReady(%1) twice").arg(id);
    if (m_ordered) {
        orderedLocked(m_lastSignaledSeq, id, "signaled");
        m_lastSignaledSeq[it->second.stream] =
                std::max(m_lastSignaledSeq[it->second.stream], it->second.seq);
    }
}

void Model::failureSignaled(int id)
{
    std::lock_guard lock(m_mutex);
    const auto it = m_tasks.find(id);
    if (it == m_tasks.end() || !it->second.threw)
        m_errors << QStringLiteral("taskFailed for task %1, which did not fail").arg(id);
    if (!m_failureSignaled.insert(id).second)
        m_errors << QStringLiteral("taskFailed twice for task %1").arg(id);
}

void Model::failureRethrown(int id, const char *where)
{
    std::lock_guard lock(m_mutex);
    const auto it = m_tasks.find(id);
    if (it == m_tasks.end() || !it->second.threw)
        m_errors << QStringLiteral("%1 rethrew a failure of task %2, which did not fail")
                            .arg(QLatin1String(where))
                            .arg(id);
    if (!m_failureRethrown.insert(id).second)
        m_errors << QStringLiteral("%1 rethrew the failure of task %2 a second time")
                            .arg(QLatin1String(where))
                            .arg(id);
}

void Model::enter()
{
    const int now = ++m_inBody;
    const int limit = m_maxConcurrency.load();
    if (m_limitsChecked.load() && !m_concurrencyEverUnlimited.load() && limit > 0 && now > limit)
        fail(QStringLiteral("%1 tasks run at once; the limit never exceeded %2")
                     .arg(now)
                     .arg(limit));
}

void Model::leave()
{
    --m_inBody;
}

void Model::limitChanged(int limit)
{
    if (limit == 0)
        m_concurrencyEverUnlimited = true;
    int seen = m_maxConcurrency.load();
    while (limit > seen && !m_maxConcurrency.compare_exchange_weak(seen, limit)) { }
}

void Model::bufferLimitChanged(int limit)
{
    std::lock_guard lock(m_mutex);
    if (limit == 0)
        m_bufferEverUnlimited = true;
    m_maxBufferLimit = std::max(m_maxBufferLimit, limit);
}

void Model::stopCheckingLimits()
{
    m_limitsChecked = false;
}

int Model::maxBufferLimit() const
{
    std::lock_guard lock(m_mutex);
    return m_bufferEverUnlimited ? 0 : m_maxBufferLimit;
}

int Model::maxConcurrencyEver() const
{
    return m_concurrencyEverUnlimited.load() ? 0 : m_maxConcurrency.load();
}

int Model::unheldCount() const
{
    std::lock_guard lock(m_mutex);
    return m_unheld;
}

void Model::fail(const QString &what)
{
    std::lock_guard lock(m_mutex);
    m_errors << what;
}

QStringList Model::errors() const
{
    std::lock_guard lock(m_mutex);
    return m_errors;
}

bool Model::ok() const
{
    std::lock_guard lock(m_mutex);
    return m_errors.isEmpty();
}

int Model::failuresThrown() const
{
    std::lock_guard lock(m_mutex);
    return int(std::count_if(m_tasks.begin(), m_tasks.end(),
                             [](const auto &entry) { return entry.second.threw; }));
}

int Model::failuresRethrown() const
{
    std::lock_guard lock(m_mutex);
    return int(m_failureRethrown.size());
}

void Model::check(bool strictResults, bool drained, bool strictFailures)
{
    std::lock_guard lock(m_mutex);
    for (const auto &[id, task] : m_tasks) {
        const bool expected = task.givesValue && task.produced && !task.threw;
        if (strictResults && expected && !task.mayBeLost) {
            if (!m_signaled.count(id))
                m_errors << QStringLiteral("result %1 (stream %2, place %3) was never delivered")
                                    .arg(id)
                                    .arg(task.stream)
                                    .arg(task.seq);
            else if (drained && !m_taken.count(id))
                m_errors << QStringLiteral("result %1 delivered but never taken").arg(id);
        }
        if (strictFailures && task.threw && !task.mayBeLost && !m_failureSignaled.count(id))
            m_errors << QStringLiteral("the failure of task %1 was never signaled").arg(id);
    }
}

} // namespace Stress
