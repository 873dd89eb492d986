// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

pragma ComponentBehavior: Bound

import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import AioUtils
import QmlCrawler

// The crawler, in JavaScript on the AioUtils QML module. Every page is a task of a Bag (an
// OrderedBag if "In spawn order" is checked) of N slots: Http.get(url), then, before the task
// ends, a task for each new same-site link of the page. The ListView shows the bag's model, the
// results as they arrive; Cancel (or closing the window) cancels the bag, and that aborts every
// request in flight. Titles, links and which URLs are one page are the C++ crawlers' rules
// (CrawlRules, from examples/common/crawlrules.h), not JavaScript of its own.
ApplicationWindow {
    id: window

    // Set by main.cpp.
    property string startUrl: "http://127.0.0.1/"
    property int concurrency: 4
    property int maxPages: 500
    property bool ordered: false
    property bool autoStart: false
    property int retries: 0 // more attempts after a 429, a 503, a timeout or a lost connection
    property int perHost: 0 // requests at once to one host (the bag's limitPerKey), 0: no limit
    property real rate: 0 // requests per second to one host (rateLimitPerKey), 0: no limit
    // Each page as it is shown (main.cpp prints it with --print).
    signal pageShown(var page)

    // Read by main.cpp in test mode.
    readonly property int rows: pageList.count
    readonly property bool crawlDone: crawl.done
    readonly property string statusText: statusLine.text

    width: 960
    height: 640
    visible: true
    title: qsTr("AioUtils QML crawler")

    Component {
        id: bagComponent
        Bag {
            onResultReady: (result) => crawl.pageArrived(result)
            onFinished: crawl.ended()
        }
    }
    Component {
        id: orderedBagComponent
        OrderedBag {
            onResultReady: (result) => crawl.pageArrived(result)
            onFinished: crawl.ended()
        }
    }

    QtObject {
        id: crawl

        property var bag: null // the Bag of the current crawl, made by start()
        property int generation: 0
        property var seen: new Set() // canonical URLs: spawned, or reached by a redirect
        property var recorded: new Set() // the final URLs of the pages that arrived
        property string startPage: "" // canonical; only links on its site are followed
        property bool running: false
        property bool done: false
        property bool canceled: false
        property int pages: 0
        property int failures: 0
        property real bytes: 0
        property real startedAt: 0
        property real elapsedMs: 0
        property string problem: "" // why Start did nothing

        function start() {
            const url = CrawlRules.canonical(urlField.text.trim());
            if (url === "") {
                problem = qsTr("Not an http(s) URL: %1").arg(urlField.text);
                return;
            }
            problem = "";
            // A new crawl, a new bag; the old one goes, and its requests are aborted.
            const old = bag;
            bag = (orderedBox.checked ? orderedBagComponent : bagComponent).createObject(window, {
                maxConcurrency: Qt.binding(() => concurrencyBox.value),
                limitPerKey: window.perHost,
                rateLimitPerKey: window.rate
            });
            if (old)
                old.destroy();
            ++generation;
            seen = new Set();
            recorded = new Set();
            startPage = url;
            pages = 0;
            failures = 0;
            bytes = 0;
            done = false;
            canceled = false;
            running = true;
            startedAt = Date.now();
            elapsedMs = 0;
            spawnPage(url);
        }

        function cancel() {
            if (!running)
                return;
            canceled = true;
            bag.cancel(); // aborts the requests in flight; the bag is idle at once
            ended();
        }

        // A task for each page not seen yet, up to the limit. `href` is canonical: one spelling
        // per page. The page is recorded under its final URL (after redirects), which is also the
        // base of its links; two links that redirect to one page give it once (the second task
        // has no result). Only HTML has links and a title.
        function spawnPage(href) {
            if (seen.has(href) || seen.size >= maxPagesBox.value || canceled)
                return;
            seen.add(href);
            const generationNow = generation;
            const options = { retry: { maxAttempts: 1 + window.retries } };
            // Keyed by host: at most perHost at once and rate a second to each server.
            bag.spawn(Http.hostKey(href), () => {
                const started = Date.now(); // the request's own time, not the queue's
                return Http.request(href, options).then(response => {
                    const url = CrawlRules.canonical(response.url);
                    const html = CrawlRules.isHtml(response.contentType);
                    const page = {
                        url: url,
                        status: response.status,
                        title: html ? CrawlRules.titleOf(response.text) : "",
                        bytes: response.bytes,
                        ms: Date.now() - started,
                        error: ""
                    };
                    // Reached again through a redirect: no new page, no result.
                    if (recorded.has(url))
                        return undefined;
                    // A late reaction of a crawl that was replaced spawns nothing.
                    if (generationNow !== generation)
                        return page;
                    recorded.add(url);
                    seen.add(url);
                    if (html) {
                        CrawlRules.linksOf(response.text, url)
                            .filter(link => CrawlRules.sameSite(link, startPage))
                            .forEach(link => spawnPage(link));
                    }
                    return page;
                }, error => ({
                    // A failed page is a row too, and the crawl goes on.
                    url: error.response ? CrawlRules.canonical(error.response.url) : href,
                    status: error.status || 0,
                    title: "",
                    bytes: error.response ? error.response.bytes : 0,
                    ms: Date.now() - started,
                    error: String(error.message)
                }));
            });
        }

        function pageArrived(page) {
            window.pageShown(page);
            ++pages;
            if (page.error !== "")
                ++failures;
            bytes += page.bytes;
        }

        function ended() {
            if (!running)
                return;
            running = false;
            elapsedMs = Date.now() - startedAt;
            done = true;
        }
    }

    Timer {
        interval: 100
        repeat: true
        running: crawl.running
        onTriggered: crawl.elapsedMs = Date.now() - crawl.startedAt
    }

    Component.onCompleted: {
        if (autoStart)
            crawl.start();
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 12
        spacing: 8

        RowLayout {
            Layout.fillWidth: true
            Label { text: qsTr("URL") }
            TextField {
                id: urlField
                Layout.fillWidth: true
                text: window.startUrl
                selectByMouse: true
                onAccepted: crawl.start()
            }
        }

        RowLayout {
            Layout.fillWidth: true
            spacing: 12
            Label { text: qsTr("Concurrency") }
            SpinBox {
                id: concurrencyBox
                from: 1
                to: 64
                value: window.concurrency
                editable: true
            }
            Label { text: qsTr("Max pages") }
            SpinBox {
                id: maxPagesBox
                from: 1
                to: 100000
                value: window.maxPages
                editable: true
            }
            CheckBox {
                id: orderedBox
                text: qsTr("In spawn order (OrderedBag)")
                checked: window.ordered
                enabled: !crawl.running
            }
            Item { Layout.fillWidth: true }
            Button {
                text: qsTr("Start")
                enabled: !crawl.running
                onClicked: crawl.start()
            }
            Button {
                text: qsTr("Cancel")
                enabled: crawl.running
                onClicked: crawl.cancel()
            }
        }

        ProgressBar {
            Layout.fillWidth: true
            from: 0
            to: crawl.bag ? Math.max(1, crawl.bag.spawnedCount) : 1
            value: crawl.bag ? crawl.bag.finishedCount : 0
        }

        Label {
            Layout.fillWidth: true
            text: crawl.bag
                  ? qsTr("spawned %1 · queued %2 · running %3 · finished %4 · failed pages %5")
                        .arg(crawl.bag.spawnedCount).arg(crawl.bag.queuedCount)
                        .arg(crawl.bag.runningCount).arg(crawl.bag.finishedCount)
                        .arg(crawl.failures)
                  : qsTr("Press Start to crawl %1").arg(urlField.text)
        }

        Frame {
            Layout.fillWidth: true
            Layout.fillHeight: true
            padding: 1

            ListView {
                id: pageList
                anchors.fill: parent
                clip: true
                model: crawl.bag ? crawl.bag.model : null
                ScrollBar.vertical: ScrollBar {}

                delegate: Rectangle {
                    id: row
                    required property int index
                    required property var result

                    width: ListView.view.width
                    height: 24
                    color: index % 2 ? window.palette.alternateBase : window.palette.base

                    RowLayout {
                        anchors.fill: parent
                        anchors.leftMargin: 6
                        anchors.rightMargin: 6
                        spacing: 10
                        Label {
                            Layout.preferredWidth: 34
                            text: row.result.status > 0 ? row.result.status : "ERR"
                            color: row.result.error === "" ? "#2e7d32" : "#c62828"
                            font.bold: true
                        }
                        Label {
                            Layout.preferredWidth: 56
                            horizontalAlignment: Text.AlignRight
                            text: row.result.bytes
                        }
                        Label {
                            Layout.preferredWidth: 50
                            horizontalAlignment: Text.AlignRight
                            text: row.result.ms + " ms"
                            opacity: 0.7
                        }
                        Label {
                            Layout.preferredWidth: 300
                            text: row.result.url
                            elide: Text.ElideMiddle
                        }
                        Label {
                            Layout.fillWidth: true
                            text: row.result.error === "" ? row.result.title : row.result.error
                            color: row.result.error === "" ? window.palette.text : "#c62828"
                            elide: Text.ElideRight
                        }
                    }
                }
            }
        }

        Label {
            id: statusLine
            Layout.fillWidth: true
            font.bold: true
            text: {
                if (crawl.problem !== "")
                    return crawl.problem;
                if (!crawl.bag)
                    return qsTr("Ready");
                const summary = qsTr("%1 pages, %2 failed, %3 KB in %4 s")
                                    .arg(crawl.pages).arg(crawl.failures)
                                    .arg((crawl.bytes / 1024).toFixed(0))
                                    .arg((crawl.elapsedMs / 1000).toFixed(2));
                if (crawl.running)
                    return qsTr("Crawling: %1").arg(summary);
                return (crawl.canceled ? qsTr("Canceled: %1") : qsTr("Done: %1")).arg(summary);
            }
        }
    }
}
