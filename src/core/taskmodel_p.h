// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Not API: private to the AioUtils implementation, never installed.

#ifndef AIOUTILS_TASKMODEL_P_H
#define AIOUTILS_TASKMODEL_P_H

#include "groupcore_p.h"
#include "ring_p.h"

#include <QtCore/qabstractitemmodel.h>
#include <QtCore/qtimer.h>

#include <deque>
#include <memory>
#include <vector>

namespace AioUtils {

// Group::taskModel(): a row per task of the round, in spawn order, on the group's thread. The
// core records what happens to tasks (TaskTracker) and each drain applies it here in one batch:
// one rowsInserted for the new rows, one dataChanged for the rows that changed, and removals
// (a new round; ended rows over the limit, oldest ended first). While tasks run, a timer reads
// their futures' progress and refreshes `elapsed` ten times a second.
class TaskModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Roles {
        KeyRole = Qt::UserRole + 1,
        StateRole,
        ProgressRole,
        ErrorRole,
        ElapsedRole,
        TextRole,
    };
    enum Column { KeyColumn, StateColumn, ProgressColumn, ErrorColumn, ElapsedColumn, ColumnCount };

    // Starts the core's tracking; the rows of the tasks queued or running now are there at once.
    TaskModel(std::shared_ptr<detail::GroupCore> core, QObject *parent);
    ~TaskModel() override;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Cancels the task of `row` (see Group::taskModel()).
    Q_INVOKABLE bool cancel(int row);

    // The drain's batch of what happened to tasks.
    void apply(detail::TrackEvents events);
    // taskModelLimit: ended rows kept, 0 for all of them.
    void setLimit(int limit);

private:
    enum State : quint8 { Queued, Running, Succeeded, Failed, Canceled };
    // What few rows have: kept apart, so that a row is small (a million queued tasks are a
    // million rows).
    struct Notes
    {
        QString error;
        QString text; // the progress text of its future, if it has one
    };
    struct Row
    {
        qint64 id = -1;
        QString key;
        qint64 start = 0; // steady clock, ns
        qint64 end = 0;
        std::unique_ptr<Notes> notes;
        float progress = -1;
        State state = Queued;
        bool standIn = false;

        Notes &editNotes()
        {
            if (!notes)
                notes = std::make_unique<Notes>();
            return *notes;
        }
    };

    // The row of task `id`, or -1 (rows are in id order). firstAtOrAfter(): the first row whose
    // id is not below `id` (rowCount() if none).
    int rowOf(qint64 id) const;
    int firstAtOrAfter(qint64 id) const;
    bool hasEnded(const Row &row) const { return row.state > Running; }
    // Ends `row`; returns whether it changed.
    bool end(Row &row, detail::Outcome outcome, qint64 at, const std::exception_ptr &failure);
    // A row starts running at `at`.
    void run(Row &row, qint64 at);
    // Removes the rows at `rows` (any order).
    void removeRows(std::vector<int> rows);
    // Removes the oldest ended rows over the limit.
    void trim();
    // The timer: progress and elapsed of the running rows.
    void refresh();
    void updateTicker();

    std::shared_ptr<detail::GroupCore> m_core;
    detail::Ring<Row> m_rows;
    std::deque<qint64> m_ended;    // ids of ended rows still here, in the order they ended
    std::deque<qint64> m_standIns; // ids of running stand-in rows, oldest first
    int m_running = 0;
    int m_limit = 0;
    bool m_applying = false; // apply() runs: views hear of it, and may call cancel()
    QTimer m_ticker;
};

} // namespace AioUtils

#endif // AIOUTILS_TASKMODEL_P_H
