// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// TaskModel: the tasks of a group's round as a table model (see taskmodel_p.h).

#include "taskmodel_p.h"

#include <QtCore/qpointer.h>
#include <QtCore/qscopeguard.h>

#include <algorithm>
#include <climits>

namespace AioUtils {

using detail::Outcome;
using detail::TrackEvent;

namespace {
// How often the running rows' progress and elapsed time are refreshed.
constexpr int refreshMs = 100;

// The rows [lo, hi] that changed, to be told in one dataChanged.
struct Touched
{
    int lo = INT_MAX;
    int hi = -1;
    void add(int row)
    {
        lo = std::min(lo, row);
        hi = std::max(hi, row);
    }
};
} // namespace

TaskModel::TaskModel(std::shared_ptr<detail::GroupCore> core, QObject *parent)
    : QAbstractTableModel(parent), m_core(std::move(core))
{
    m_ticker.setInterval(refreshMs);
    connect(&m_ticker, &QTimer::timeout, this, &TaskModel::refresh);
    detail::TrackEvents events;
    {
        std::lock_guard lock(m_core->mutex);
        m_limit = m_core->taskModelLimitLocked();
        m_core->startTrackingLocked();
        events = m_core->takeTrackEventsLocked();
    }
    apply(std::move(events));
}

TaskModel::~TaskModel()
{
    // Deleted by hand before its group: the group stops recording for it (a next taskModel()
    // starts afresh).
    std::lock_guard lock(m_core->mutex);
    m_core->stopTrackingLocked();
}

int TaskModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TaskModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QHash<int, QByteArray> TaskModel::roleNames() const
{
    return {
        { Qt::DisplayRole, "display" }, { KeyRole, "key" },     { StateRole, "state" },
        { ProgressRole, "progress" },   { ErrorRole, "error" }, { ElapsedRole, "elapsed" },
        { TextRole, "text" },
    };
}

QVariant TaskModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case KeyColumn:
        return tr("Key");
    case StateColumn:
        return tr("State");
    case ProgressColumn:
        return tr("Progress");
    case ErrorColumn:
        return tr("Error");
    case ElapsedColumn:
        return tr("Elapsed (ms)");
    default:
        return {};
    }
}

QVariant TaskModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()) || index.column() >= ColumnCount)
        return {};
    const Row &row = m_rows[std::size_t(index.row())];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case KeyColumn:
            return row.key;
        case StateColumn:
            return data(index, StateRole);
        case ProgressColumn:
            return row.progress < 0 ? QString()
                                    : QStringLiteral("%1 %").arg(qRound(row.progress * 100));
        case ErrorColumn:
            return row.notes ? row.notes->error : QString();
        case ElapsedColumn:
            return data(index, ElapsedRole);
        default:
            return {};
        }
    }
    switch (role) {
    case KeyRole:
        return row.key;
    case StateRole:
        switch (row.state) {
        case Queued:
            return QStringLiteral("queued");
        case Running:
            return QStringLiteral("running");
        case Succeeded:
            return QStringLiteral("succeeded");
        case Failed:
            return QStringLiteral("failed");
        case Canceled:
            return QStringLiteral("canceled");
        }
        return {};
    case ProgressRole:
        return double(row.progress);
    case ErrorRole:
        return row.notes ? row.notes->error : QString();
    case ElapsedRole: {
        if (row.state == Queued)
            return qint64(0);
        const qint64 until = row.state == Running ? detail::TaskTracker::now() : row.end;
        return std::max<qint64>(0, (until - row.start) / 1000000);
    }
    case TextRole:
        return row.notes ? row.notes->text : QString();
    default:
        return {};
    }
}

int TaskModel::firstAtOrAfter(qint64 id) const
{
    const std::size_t size = m_rows.size();
    if (size == 0 || id <= m_rows[0].id)
        return 0;
    // Ids go up by one a task, and rows only go: the row of `id` is at most this far in, and
    // there most of the time (rows go mostly from the front, oldest ended first).
    std::size_t high = std::min<std::size_t>(size, std::size_t(id - m_rows[0].id) + 1);
    if (m_rows[high - 1].id < id)
        return int(high);
    if (m_rows[high - 1].id == id)
        return int(high - 1);
    std::size_t low = 0; // m_rows[low].id < id <= m_rows[high - 1].id
    --high;
    while (high - low > 1) {
        const std::size_t middle = low + (high - low) / 2;
        (m_rows[middle].id < id ? low : high) = middle;
    }
    return int(high);
}

int TaskModel::rowOf(qint64 id) const
{
    const int row = firstAtOrAfter(id);
    return row < int(m_rows.size()) && m_rows[std::size_t(row)].id == id ? row : -1;
}

void TaskModel::run(Row &row, qint64 at)
{
    row.state = Running;
    row.start = at;
    ++m_running;
    if (row.standIn)
        m_standIns.push_back(row.id);
}

bool TaskModel::end(Row &row, Outcome outcome, qint64 at, const std::exception_ptr &failure)
{
    if (hasEnded(row))
        return false;
    if (row.state == Running)
        --m_running;
    else
        row.start = at; // never started: elapsed stays 0
    row.end = at;
    switch (outcome) {
    case Outcome::Succeeded:
        row.state = Succeeded;
        row.progress = 1;
        break;
    case Outcome::Failed:
        row.state = Failed;
        break;
    case Outcome::Canceled:
        row.state = Canceled;
        break;
    }
    if (failure)
        row.editNotes().error = detail::failureMessage(failure); // what(): not under the lock
    m_ended.push_back(row.id);
    return true;
}

void TaskModel::apply(detail::TrackEvents events)
{
    m_applying = true;
    const auto done = qScopeGuard([this] { m_applying = false; });
    // The new rows first, in one insertion: every task of the batch came after those here.
    const auto spawned = std::count_if(events.begin(), events.end(), [](const TrackEvent &e) {
        return e.kind == TrackEvent::Queued;
    });
    if (spawned > 0) {
        const int first = int(m_rows.size());
        beginInsertRows(QModelIndex(), first, first + int(spawned) - 1);
        m_rows.reserve(m_rows.size() + std::size_t(spawned));
        for (TrackEvent &event : events) {
            if (event.kind != TrackEvent::Queued)
                continue;
            Row row;
            row.id = event.id;
            row.key = std::move(event.key);
            row.standIn = event.standIn;
            if (event.at > 0)
                run(row, event.at); // spawned and started at once
            m_rows.push_back(std::move(row));
        }
        endInsertRows();
    }

    Touched touched;
    qint64 roundBegins = -1; // the rows of tasks before this id belong to a round that ended
    for (const TrackEvent &event : events) {
        switch (event.kind) {
        case TrackEvent::Queued:
            break;
        case TrackEvent::Round:
            roundBegins = std::max(roundBegins, event.id);
            break;
        case TrackEvent::Started: {
            const int r = rowOf(event.id);
            if (r < 0 || m_rows[std::size_t(r)].state != Queued)
                break;
            run(m_rows[std::size_t(r)], event.at);
            touched.add(r);
            break;
        }
        case TrackEvent::Ended: {
            int r = -1;
            if (event.standIn) {
                // One of the tasks that ran without a slot before the model was made.
                if (m_standIns.empty())
                    break;
                r = rowOf(m_standIns.front());
                m_standIns.pop_front();
                if (r >= 0 && m_rows[std::size_t(r)].key.isEmpty())
                    m_rows[std::size_t(r)].key = event.key;
            } else {
                r = rowOf(event.id);
            }
            if (r >= 0 && end(m_rows[std::size_t(r)], event.outcome, event.at, event.failure))
                touched.add(r);
            break;
        }
        case TrackEvent::CanceledAll: {
            const int until = firstAtOrAfter(event.id);
            for (int r = 0; r < until; ++r) {
                if (end(m_rows[std::size_t(r)], Outcome::Canceled, event.at, {}))
                    touched.add(r);
            }
            m_standIns.clear();
            break;
        }
        }
    }
    if (touched.hi >= 0)
        Q_EMIT dataChanged(index(touched.lo, 0), index(touched.hi, ColumnCount - 1));

    if (roundBegins >= 0) {
        // A new round: the last one's rows go (all of them have ended).
        const int count = firstAtOrAfter(roundBegins);
        if (count > 0) {
            beginRemoveRows(QModelIndex(), 0, count - 1);
            for (int r = 0; r < count; ++r) {
                if (m_rows[std::size_t(r)].state == Running)
                    --m_running;
            }
            m_rows.erase(0, std::size_t(count));
            endRemoveRows();
            const auto before = [roundBegins](qint64 id) { return id < roundBegins; };
            m_ended.erase(std::remove_if(m_ended.begin(), m_ended.end(), before), m_ended.end());
            m_standIns.erase(std::remove_if(m_standIns.begin(), m_standIns.end(), before),
                             m_standIns.end());
        }
    }
    trim();
    updateTicker();
}

void TaskModel::setLimit(int limit)
{
    m_limit = limit;
    trim();
}

void TaskModel::trim()
{
    if (m_limit <= 0 || m_ended.size() <= std::size_t(m_limit))
        return;
    std::vector<int> rows;
    while (m_ended.size() > std::size_t(m_limit)) {
        const int r = rowOf(m_ended.front());
        m_ended.pop_front();
        if (r >= 0)
            rows.push_back(r);
    }
    removeRows(std::move(rows));
}

void TaskModel::removeRows(std::vector<int> rows)
{
    // From the last run of neighbours to the first, so that the indices before stay valid.
    std::sort(rows.begin(), rows.end(), std::greater<int>());
    for (std::size_t i = 0; i < rows.size();) {
        const int last = rows[i];
        int first = last;
        while (++i < rows.size() && rows[i] == first - 1)
            --first;
        beginRemoveRows(QModelIndex(), first, last);
        m_rows.erase(std::size_t(first), std::size_t(last - first + 1));
        endRemoveRows();
    }
}

void TaskModel::updateTicker()
{
    if (m_running > 0 && !m_ticker.isActive())
        m_ticker.start();
    else if (m_running == 0 && m_ticker.isActive())
        m_ticker.stop();
}

void TaskModel::refresh()
{
    detail::GroupCore::TrackedFutures running;
    {
        std::lock_guard lock(m_core->mutex);
        m_core->trackedFuturesLocked(running);
    }
    // Read outside the group's lock: each future has its own.
    Touched touched;
    for (const auto &[id, futures] : running) {
        const int r = rowOf(id);
        if (r < 0 || m_rows[std::size_t(r)].state != Running)
            continue;
        Row &row = m_rows[std::size_t(r)];
        double progress = -1;
        QString text;
        for (const QFuture<void> &future : futures) {
            const int minimum = future.progressMinimum();
            const int maximum = future.progressMaximum();
            if (progress < 0 && maximum > minimum)
                progress = std::clamp(double(future.progressValue() - minimum)
                                              / double(maximum - minimum),
                                      0.0, 1.0);
            if (text.isEmpty())
                text = future.progressText();
        }
        row.progress = float(progress);
        if (!text.isEmpty() || row.notes)
            row.editNotes().text = std::move(text);
        touched.add(r);
    }
    for (const qint64 id : m_standIns) {
        if (const int r = rowOf(id); r >= 0)
            touched.add(r);
    }
    if (touched.hi >= 0)
        Q_EMIT dataChanged(index(touched.lo, 0), index(touched.hi, ColumnCount - 1),
                           { Qt::DisplayRole, ProgressRole, ElapsedRole, TextRole });
}

bool TaskModel::cancel(int row)
{
    if (row < 0 || row >= int(m_rows.size()) || hasEnded(m_rows[std::size_t(row)]))
        return false;
    const qint64 id = m_rows[std::size_t(row)].id;
    detail::GroupCore::Aftermath after;
    bool canceled;
    {
        std::lock_guard lock(m_core->mutex);
        canceled = m_core->cancelTrackedLocked(id, after);
    }
    // Continuations of the canceled futures, and the next queued task that may start now, run
    // user code, which may delete the group and this model with it.
    const QPointer<TaskModel> alive(this);
    after.run();
    m_core->pump();
    if (alive && !m_applying) {
        // The row shows it now, not after the next drain. (Not from a view's slot while rows
        // are being applied: the next drain does it, in order.)
        detail::TrackEvents events;
        {
            std::lock_guard lock(m_core->mutex);
            events = m_core->takeTrackEventsLocked();
        }
        apply(std::move(events));
    }
    return canceled;
}

} // namespace AioUtils
