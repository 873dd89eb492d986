// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

pragma ComponentBehavior: Bound

import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import AioUtils

// A download manager on the AioUtils QML module. Every download is a task of one Pool, keyed by
// its host (Http.hostKey()), so that the pool's limitPerKey is a per-host limit and its
// rateLimitPerKey a per-host rate. The list is the pool's taskModel: a row per task of the
// current round, with its state, progress (the request's download progress), error and elapsed
// time. Cancel on a row is taskModel.cancel(row); Retry spawns the row's file again; Pause holds
// every queued download back (running ones go on).
ApplicationWindow {
    id: window

    // Set by main.cpp.
    property string listUrl: "http://127.0.0.1/files/" // text/plain, one URL a line
    property int concurrency: 6
    property int perHost: 2
    property int rate: 0
    property int retries: 0 // more attempts after a 429, a 503, a timeout or a lost connection
    property bool autoStart: false

    // Read by main.cpp in test mode.
    readonly property int rows: list.count
    readonly property bool done: downloads.started && pool.idle && downloads.problem === ""
    readonly property string problem: downloads.problem // the list could not be read
    readonly property string statusText: statusLine.text

    width: 1000
    height: 720
    visible: true
    title: qsTr("AioUtils downloads")

    Pool {
        id: pool
        size: concurrencyBox.value
        limitPerKey: perHostBox.value
        rateLimitPerKey: rateBox.value
        paused: pauseButton.checked
        // A row per download of the round, ended ones included.
        taskModelLimit: 0
    }

    QtObject {
        id: downloads

        // What each row of the round downloads, in spawn order (rows are in spawn order too).
        property var files: []
        property bool started: false
        property string problem: ""
        property int skippedLines: 0 // lines of the list that were no http(s) URL

        // The list's http(s) URLs, once each, as written (a path is resolved against the list's
        // own URL); blank lines and # comments are skipped, and so is a line that is no URL (one
        // with a space in it, or another scheme). By hand: QML's URL object, given a base, takes
        // an absolute URL for a path on the base's host.
        function parse(text) {
            const base = window.listUrl;
            const origin = (base.match(/^[a-z][a-z0-9+.-]*:\/\/[^\/?#]*/i) || [""])[0];
            const folder = base.replace(/[?#].*$/, "").replace(/[^\/]*$/, "");
            const urls = [];
            const seen = new Set();
            let skipped = 0;
            for (const raw of text.split(/\r?\n/)) {
                const line = raw.trim();
                if (line === "" || line.startsWith("#"))
                    continue;
                let url = "";
                if (!/\s/.test(line)) {
                    if (/^[a-z][a-z0-9+.-]*:/i.test(line))
                        url = line;
                    else if (line.startsWith("//"))
                        url = base.substring(0, base.indexOf(":") + 1) + line;
                    else if (line.startsWith("/"))
                        url = origin + line;
                    else
                        url = folder + line;
                }
                if (!/^https?:\/\/[^\/?#]+/i.test(url)) {
                    ++skipped;
                    continue;
                }
                if (!seen.has(url)) {
                    seen.add(url);
                    urls.push(url);
                }
            }
            return { urls: urls, skipped: skipped };
        }

        function start() {
            problem = "";
            skippedLines = 0;
            Http.get(window.listUrl).then(text => {
                const list = parse(text);
                skippedLines = list.skipped;
                if (list.urls.length === 0)
                    problem = qsTr("No http(s) URL listed at %1").arg(window.listUrl);
                for (const url of list.urls)
                    add(url);
                started = true;
            }, error => {
                problem = qsTr("Cannot read the list: %1").arg(error.message);
                started = true;
            });
        }

        // A download of `url`: one task, keyed by its host.
        function add(url) {
            // An idle pool begins a new round: its model drops the last round's rows.
            const next = pool.idle ? [] : files.slice();
            next.push({ url: url, name: url.substring(url.lastIndexOf("/") + 1),
                        host: Http.hostKey(url) });
            files = next;
            pool.spawn(Http.hostKey(url), () => Http.request(url, {
                retry: { maxAttempts: window.retries + 1 }
            }).then(response => response.bytes));
        }

        function retry(row) {
            const file = files[row];
            if (file)
                add(file.url);
        }

        // Every failed or canceled row again (test mode uses it too).
        function retryFailed() {
            const again = [];
            for (let row = 0; row < pool.taskModel.rowCount(); ++row) {
                const state = window.cell(row, 1);
                if ((state === "failed" || state === "canceled") && files[row])
                    again.push(files[row].url);
            }
            for (const url of again)
                add(url);
            return again.length;
        }
    }

    // A row's column of the task model as it displays it (1: the state, 3: the error): rows a
    // view has no delegate for are read too.
    function cell(row, column) {
        const model = pool.taskModel;
        return model.data(model.index(row, column));
    }

    // Test mode (main.cpp): counts of the states shown, and a running slow row to cancel.
    function summary() {
        const counts = { queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 };
        for (let row = 0; row < pool.taskModel.rowCount(); ++row)
            ++counts[cell(row, 1)];
        return counts;
    }
    // Each row as "<URL>  <state>  <error>", for --once.
    function rowLines() {
        const lines = [];
        for (let row = 0; row < pool.taskModel.rowCount(); ++row) {
            const file = downloads.files[row];
            const error = cell(row, 3);
            if (file)
                lines.push(file.url + "  " + cell(row, 1) + (error ? "  " + error : ""));
        }
        return lines;
    }
    // The download of the file `name` if it runs and is part way through: canceled (test mode).
    function cancelRunning(name) {
        for (let row = 0; row < pool.taskModel.rowCount(); ++row) {
            const item = list.itemAtIndex(row);
            const file = downloads.files[row];
            if (file && file.name === name && item && item.taskState === "running"
                    && item.progress > 0 && item.progress < 1)
                return pool.taskModel.cancel(row);
        }
        return false;
    }
    function retryFailed() {
        return downloads.retryFailed();
    }

    header: ToolBar {
        RowLayout {
            anchors.fill: parent
            spacing: 8
            Button {
                text: qsTr("Start")
                enabled: !downloads.started || pool.idle
                onClicked: downloads.start()
            }
            Button {
                id: pauseButton
                text: checked ? qsTr("Resume all") : qsTr("Pause all")
                checkable: true
            }
            Button {
                text: qsTr("Retry failed")
                enabled: pool.failedCount > 0
                onClicked: downloads.retryFailed()
            }
            Label { text: qsTr("At once") }
            SpinBox { id: concurrencyBox; from: 1; to: 32; value: window.concurrency }
            Label { text: qsTr("Per host") }
            SpinBox { id: perHostBox; from: 0; to: 16; value: window.perHost }
            Label { text: qsTr("Per host /s") }
            SpinBox { id: rateBox; from: 0; to: 100; value: window.rate }
            Item { Layout.fillWidth: true }
        }
    }

    ListView {
        id: list
        anchors.fill: parent
        anchors.margins: 8
        clip: true
        spacing: 2
        model: pool.taskModel
        ScrollBar.vertical: ScrollBar {}

        delegate: Rectangle {
            id: row
            required property int index
            // The task model's roles (key, state, progress, error, elapsed). An Item has a
            // `state` of its own: the roles are read through `model`.
            required property var model
            readonly property string key: model.key
            readonly property string taskState: model.state
            readonly property real progress: model.progress
            readonly property string error: model.error
            readonly property real elapsed: model.elapsed

            width: ListView.view.width
            height: 34
            color: index % 2 ? "#f4f4f4" : "white"

            RowLayout {
                anchors.fill: parent
                anchors.leftMargin: 6
                anchors.rightMargin: 6
                spacing: 10
                Label {
                    text: downloads.files[row.index] ? downloads.files[row.index].name : ""
                    Layout.preferredWidth: 90
                    font.bold: true
                }
                Label {
                    text: row.key
                    Layout.preferredWidth: 190
                    elide: Text.ElideRight
                }
                ProgressBar {
                    Layout.preferredWidth: 180
                    from: 0
                    to: 1
                    value: Math.max(0, row.progress)
                    indeterminate: row.taskState === "running" && row.progress < 0
                }
                Label {
                    text: row.taskState
                    Layout.preferredWidth: 70
                    color: row.taskState === "failed" ? "firebrick"
                         : row.taskState === "succeeded" ? "darkgreen" : "black"
                }
                Label {
                    text: qsTr("%1 ms").arg(row.elapsed)
                    Layout.preferredWidth: 70
                    horizontalAlignment: Text.AlignRight
                }
                Label {
                    text: row.error
                    Layout.fillWidth: true
                    elide: Text.ElideRight
                    color: "firebrick"
                }
                Button {
                    text: qsTr("Cancel")
                    enabled: row.taskState === "queued" || row.taskState === "running"
                    onClicked: pool.taskModel.cancel(row.index)
                }
                Button {
                    text: qsTr("Retry")
                    enabled: row.taskState === "failed" || row.taskState === "canceled"
                    onClicked: downloads.retry(row.index)
                }
            }
        }
    }

    footer: Label {
        id: statusLine
        padding: 6
        text: downloads.problem !== "" ? downloads.problem
            : qsTr("%1 downloads: %2 queued, %3 running, %4 done, %5 failed%6%7")
                .arg(pool.spawnedCount).arg(pool.queuedCount).arg(pool.runningCount)
                .arg(pool.finishedCount - pool.failedCount).arg(pool.failedCount)
                .arg(pool.paused ? qsTr(" (paused)") : "")
                .arg(downloads.skippedLines > 0
                     ? qsTr("; %1 lines of the list are no http(s) URL").arg(downloads.skippedLines)
                     : "")
    }

    Component.onCompleted: {
        if (autoStart)
            downloads.start();
    }
}
