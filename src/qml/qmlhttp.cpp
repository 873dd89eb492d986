// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "qmlhttp.h"
#include "qmlhttprequest.h"

#include <AioUtils/detail/tasklink.h>
#include <AioUtils/network.h>

#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkrequest.h>
#include <QtQml/qqmlengine.h>

namespace AioUtils {

namespace {

// Makes the promise of one request. The promise listens to the request's signals and lets go of
// them once settled; while it is pending, those connections keep it and the request alive, so
// `Http.get(url).then(show)` needs no variable to hold it. Its then(), and that of every promise
// then() makes of it (catch() and finally() call then()), runs each reaction as part of the
// request's task, so that the requests a reaction starts belong to the task too.
const char promiseMaker[] = R"js(
(function (request, reactions) {
    function scoped(reaction) {
        if (typeof reaction !== "function")
            return reaction;
        return function (value) {
            reactions.enter(request);
            try {
                return reaction(value);
            } finally {
                reactions.leave();
            }
        };
    }
    function chained(promise) {
        const then = promise.then;
        Object.defineProperty(promise, "then", {
            value: function (onFulfilled, onRejected) {
                return chained(then.call(this, scoped(onFulfilled), scoped(onRejected)));
            }
        });
        return promise;
    }
    const promise = new Promise(function (resolve, reject) {
        function done() {
            request.succeeded.disconnect(succeeded);
            request.failed.disconnect(failed);
        }
        function succeeded(body) {
            done();
            resolve(body);
        }
        function failed(message, status, url) {
            done();
            const error = new Error(message);
            error.status = status;
            error.url = url;
            reject(error);
        }
        request.succeeded.connect(succeeded);
        request.failed.connect(failed);
    });
    Object.defineProperty(promise, "request", { value: request });
    return chained(promise);
})
)js";

QFuture<QByteArray> refused(const QUrl &url, const QString &message)
{
    QPromise<QByteArray> promise;
    promise.start();
    promise.setException(NetworkError(QNetworkReply::ProtocolUnknownError, 0, url, message));
    promise.finish();
    return promise.future();
}

} // namespace

/*!
    \qmltype Http
    \inqmlmodule AioUtils
    \brief HTTP GET requests as JavaScript promises, for spawn().

    A singleton. \c{Http.get(url)} starts a GET with the engine's QNetworkAccessManager (through
    AioUtils::fetch()) and returns a Promise that resolves with the body, decoded as UTF-8, or
    rejects with an \c Error whose \c message is AioUtils::NetworkError::what() (for example
    "http://host/x: HTTP 404 (…)"), with \c status (the HTTP status, 0 when no response arrived)
    and \c url. The promise has a \c request property (HttpRequest) with \c abort().

    \code
    Bag {
        id: pages
        maxConcurrency: 4
        onResultReady: (page) => console.log(page.length)
        onTaskFailed: (message) => console.warn(message)
    }
    Component.onCompleted: urls.forEach(url => pages.spawn(() => Http.get(url)))
    \endcode

    A request started while a spawned function runs (its synchronous part, before it returns)
    belongs to that function's task: when the task is canceled (\c cancel(), \c CancelOnFailure,
    \c taskTimeout, or the group destroyed), the request is aborted. So is the request of an
    Http.get() promise the function returns. This holds for a promise derived from it too, as in
    \c{pool.spawn(() => Http.get(url).then(parse))}, and for requests started later in a
    reaction of the task's own promises (a \c then(), \c catch() or \c finally() callback on
    an Http.get() promise of the task, or on a promise such a call made), as in
    \c{pool.spawn(() => Http.get(index).then(page => Http.get(linkOf(page))))}. Requests of a
    function that did not return a promise are not the task's (its task has ended). When the task
    settles, requests of its own still running go on; a task that fails or times out aborts them.
*/

QmlHttp::QmlHttp(QQmlEngine *engine, QObject *parent) : QObject(parent), m_engine(engine) { }

QmlHttp::~QmlHttp() = default;

QmlHttp *QmlHttp::create(QQmlEngine *qmlEngine, QJSEngine *jsEngine)
{
    Q_UNUSED(jsEngine);
    return new QmlHttp(qmlEngine);
}

/*!
    \qmlmethod Promise Http::get(url url)

    Starts a GET of \a url and returns its promise (see above). Only \c http and \c https URLs
    are fetched; any other (\c file: included) gives a promise rejected with a message that says
    so.
*/
QJSValue QmlHttp::get(const QUrl &url)
{
    if (m_makePromise.isUndefined()) {
        m_makePromise = m_engine->evaluate(QString::fromUtf8(promiseMaker),
                                           QStringLiteral("aioutils-http.js"));
    }
    // Like XMLHttpRequest in QML, no local files: a QML page must not read the disk by URL.
    const QString scheme = url.scheme();
    const bool web = scheme == QLatin1String("http") || scheme == QLatin1String("https");
    auto *request = new QmlHttpRequest(
            web ? fetch(m_engine->networkAccessManager(), QNetworkRequest(url))
                : refused(url,
                          QStringLiteral("Http.get(): only http and https URLs are fetched, not "
                                         "\"%1\"")
                                  .arg(url.toDisplayString())),
            url);
    // Started by a spawned function, or a reaction of its task's promises: fetch() linked the
    // request to the task, which aborts it when canceled; the request's own reactions run as
    // part of that task.
    request->setTask(detail::currentTask());
    if (m_reactions.isUndefined())
        m_reactions = m_engine->newQObject(new QmlHttpReactions);
    // No parent: the JavaScript heap owns the request.
    return m_makePromise.call({ m_engine->newQObject(request), m_reactions });
}

} // namespace AioUtils
