// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "qmlhttp.h"
#include "qmlhttprequest.h"

#include <AioUtils/detail/tasklink.h>
#include <AioUtils/key.h>
#include <AioUtils/network.h>

#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkrequest.h>
#include <QtQml/qjsvalueiterator.h>
#include <QtQml/qqmlengine.h>

#include <algorithm>
#include <optional>

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
        function succeeded(value) {
            done();
            resolve(value);
        }
        function failed(message, status, url, response) {
            done();
            const error = new Error(message);
            error.status = status;
            error.url = url;
            if (response.status !== undefined)
                error.response = response;
            reject(error);
        }
        request.succeeded.connect(succeeded);
        request.failed.connect(failed);
    });
    Object.defineProperty(promise, "request", { value: request });
    return chained(promise);
})
)js";

QFuture<Response> refused(const QUrl &url, const QString &message)
{
    QPromise<Response> promise;
    promise.start();
    promise.setException(NetworkError(QNetworkReply::ProtocolUnknownError, 0, url, message));
    promise.finish();
    return promise.future();
}

// Like XMLHttpRequest in QML, no local files: a QML page must not read the disk by URL.
std::optional<QString> refusedScheme(const QUrl &url, const char *function)
{
    const QString scheme = url.scheme();
    if (scheme == QLatin1String("http") || scheme == QLatin1String("https"))
        return std::nullopt;
    return QStringLiteral("%1: only http and https URLs are fetched, not \"%2\"")
            .arg(QLatin1String(function), url.toDisplayString());
}

// An HTTP token (RFC 9110 5.6.2): what a method and a header name are made of.
bool isToken(const QString &text)
{
    static const QString punctuation = QStringLiteral("!#$%&'*+-.^_`|~");
    return !text.isEmpty() && std::all_of(text.begin(), text.end(), [](QChar c) {
        return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
                || punctuation.contains(c);
    });
}

// A whole number from an option, or why it is not one.
std::optional<QString> readInt(const QJSValue &object, const QString &name, int &out)
{
    const QJSValue value = object.property(name);
    if (value.isUndefined())
        return std::nullopt;
    if (!value.isNumber() || value.toNumber() != double(value.toInt()))
        return QStringLiteral("option \"%1\" must be a whole number, not %2")
                .arg(name, value.toString());
    out = value.toInt();
    return std::nullopt;
}

// Reads Http.request()'s options into `options` and `request`; returns what is wrong with them.
std::optional<QString> readOptions(const QJSValue &given, RequestOptions &options,
                                   QNetworkRequest &request)
{
    if (given.isUndefined() || given.isNull())
        return std::nullopt;
    if (!given.isObject() || given.isArray() || given.isCallable())
        return QStringLiteral("the options must be an object, not %1").arg(given.toString());
    static const QStringList known = { QStringLiteral("method"), QStringLiteral("body"),
                                       QStringLiteral("headers"), QStringLiteral("timeoutMs"),
                                       QStringLiteral("retry") };
    static const QStringList knownRetry = { QStringLiteral("maxAttempts"),
                                            QStringLiteral("initialBackoffMs"),
                                            QStringLiteral("maxBackoffMs") };
    for (QJSValueIterator it(given); it.hasNext();) {
        it.next();
        if (!known.contains(it.name()))
            return QStringLiteral("unknown option \"%1\" (known: %2)")
                    .arg(it.name(), known.join(QLatin1String(", ")));
    }
    if (const QJSValue method = given.property(QStringLiteral("method")); !method.isUndefined()) {
        if (!method.isString() || !isToken(method.toString()))
            return QStringLiteral("option \"method\" must be an HTTP method such as \"POST\", "
                                  "not %1")
                    .arg(method.toString());
        options.method = method.toString().toUpper().toLatin1();
    }
    if (const QJSValue body = given.property(QStringLiteral("body")); !body.isUndefined()) {
        const QVariant bytes = body.toVariant();
        if (body.isString())
            options.body = body.toString().toUtf8();
        else if (bytes.metaType() == QMetaType::fromType<QByteArray>())
            options.body = bytes.toByteArray();
        else
            return QStringLiteral("option \"body\" must be a string or an ArrayBuffer, not %1")
                    .arg(body.toString());
    }
    if (const QJSValue headers = given.property(QStringLiteral("headers"));
        !headers.isUndefined()) {
        if (!headers.isObject() || headers.isArray() || headers.isCallable())
            return QStringLiteral("option \"headers\" must be an object of names and values");
        for (QJSValueIterator it(headers); it.hasNext();) {
            it.next();
            const QString value = it.value().toString();
            const bool latin1 = std::all_of(value.begin(), value.end(), [](QChar c) {
                return c.unicode() <= 0xff && c != u'\r' && c != u'\n' && c != u'\0';
            });
            if (!isToken(it.name()) || !latin1)
                return QStringLiteral("header \"%1\" is not a valid header name and value")
                        .arg(it.name());
            request.setRawHeader(it.name().toLatin1(), value.toLatin1());
        }
    }
    if (std::optional<QString> error =
                readInt(given, QStringLiteral("timeoutMs"), options.timeoutMs))
        return error;
    if (const QJSValue retry = given.property(QStringLiteral("retry")); !retry.isUndefined()) {
        if (!retry.isObject())
            return QStringLiteral("option \"retry\" must be an object (%1)")
                    .arg(knownRetry.join(QLatin1String(", ")));
        for (QJSValueIterator it(retry); it.hasNext();) {
            it.next();
            if (!knownRetry.contains(it.name()))
                return QStringLiteral("unknown retry option \"%1\" (known: %2)")
                        .arg(it.name(), knownRetry.join(QLatin1String(", ")));
        }
        int *const fields[] = { &options.retry.maxAttempts, &options.retry.initialBackoffMs,
                                &options.retry.maxBackoffMs };
        for (int i = 0; i < 3; ++i) {
            if (std::optional<QString> error = readInt(retry, knownRetry[i], *fields[i]))
                return error;
        }
    }
    return std::nullopt;
}

} // namespace

/*!
    \qmltype Http
    \inqmlmodule AioUtils
    \brief HTTP requests as JavaScript promises, for spawn().

    A singleton. \c{Http.get(url)} starts a GET with the engine's QNetworkAccessManager (through
    AioUtils::request()) and returns a Promise that resolves with the body, decoded with the
    charset of its Content-Type (UTF-8 when it names none), or
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
    \qmlmethod string Http::hostKey(url url)

    Returns the key of the server \a url is on, for keyed tasks (Group.spawn(key, fn)): its
    scheme, host and port, as AioUtils::Key::host() makes it (\c{"http://example.org:80"}); an
    empty string, which is no key, for a URL without a host.
    \code
    pool.limitPerKey = 2
    pool.spawn(Http.hostKey(url), () => Http.get(url))
    \endcode
*/
QString QmlHttp::hostKey(const QUrl &url) const
{
    return Key::host(url).toString();
}

/*!
    \qmlmethod Promise Http::get(url url)

    Starts a GET of \a url and returns its promise (see above). Only \c http and \c https URLs
    are fetched; any other (\c file: included) gives a promise rejected with a message that says
    so.
*/
QJSValue QmlHttp::get(const QUrl &url)
{
    const std::optional<QString> refusal = refusedScheme(url, "Http.get()");
    return promiseOf(new QmlHttpRequest(
            refusal ? refused(url, *refusal)
                    : AioUtils::request(m_engine->networkAccessManager(), QNetworkRequest(url)),
            url, QmlHttpRequest::Gives::Text));
}

/*!
    \qmlmethod Promise Http::request(url url, object options)

    Sends a request for \a url and returns its promise, which resolves with the whole response
    of a 2xx answer: an object with \c status, \c url (after redirects: the base for the page's
    relative links), \c contentType (the MIME type, \c text/html), \c headers (an object
    keyed by lower-cased names), \c text (the body decoded with its charset) and \c bytes (the
    body's size in bytes). Any other
    answer rejects with an \c Error as Http.get()'s, whose \c response is that object.

    \a options, all optional: \c method (\c GET; \c POST when there is a \c body),
    \c body (a string, sent as UTF-8, or an ArrayBuffer), \c headers (an object of names and
    values), \c timeoutMs (for each attempt), and \c retry: \c{{maxAttempts, initialBackoffMs,
    maxBackoffMs}} as AioUtils::RetryPolicy (429, 503, connection errors and timeouts are retried,
    honouring \c Retry-After; a task waiting out its backoff gives its slot back). An unknown or
    malformed option rejects the promise with a message that names it.

    \code
    pool.spawn(() => Http.request(url, { retry: { maxAttempts: 3 } })
                        .then(response => response.text))
    \endcode
*/
QJSValue QmlHttp::request(const QUrl &url, const QJSValue &options)
{
    RequestOptions requestOptions;
    QNetworkRequest request(url);
    std::optional<QString> refusal = refusedScheme(url, "Http.request()");
    if (!refusal) {
        if (std::optional<QString> error = readOptions(options, requestOptions, request))
            refusal = QStringLiteral("Http.request(): %1").arg(*error);
    }
    return promiseOf(new QmlHttpRequest(
            refusal ? refused(url, *refusal)
                    : AioUtils::request(m_engine->networkAccessManager(), request, requestOptions),
            url, QmlHttpRequest::Gives::Response));
}

QJSValue QmlHttp::promiseOf(QmlHttpRequest *request)
{
    if (m_makePromise.isUndefined()) {
        m_makePromise = m_engine->evaluate(QString::fromUtf8(promiseMaker),
                                           QStringLiteral("aioutils-http.js"));
    }
    // Started by a spawned function, or a reaction of its task's promises: request() linked the
    // request to the task, which aborts it when canceled; the request's own reactions run as
    // part of that task.
    request->setTask(detail::currentTask());
    if (m_reactions.isUndefined())
        m_reactions = m_engine->newQObject(new QmlHttpReactions);
    // No parent: the JavaScript heap owns the request.
    return m_makePromise.call({ m_engine->newQObject(request), m_reactions });
}

} // namespace AioUtils
