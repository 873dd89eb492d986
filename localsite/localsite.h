// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef LOCALSITE_LOCALSITE_H
#define LOCALSITE_LOCALSITE_H

#include "httpserver.h"

#include <QtCore/QObject>
#include <QtCore/QUrl>

#include <memory>

QT_BEGIN_NAMESPACE
class QThread;
QT_END_NAMESPACE

namespace LocalSite {

struct SiteOptions
{
    int pages = 300;
    int seed = 1;
    int minDelayMs = 5;
    int maxDelayMs = 60;
    int slowEvery = 17; // every slowEvery-th page answers after slowDelayMs; 0: none
    int slowDelayMs = 400;
};

class Site : public QObject
{
    Q_OBJECT

public:
    explicit Site(SiteOptions options = {}, QObject *parent = nullptr);
    ~Site() override;

    bool listen();
    QUrl url() const;
    HttpServer *server() const;
    int pageCount() const;

    static HttpResponse respond(const SiteOptions &options, const HttpRequest &request);

private:
    const SiteOptions m_options;
    HttpServer *const m_server;

    Q_DISABLE_COPY(Site)
};

class SiteThread
{
public:
    explicit SiteThread(SiteOptions options = {});
    ~SiteThread();

    bool start();
    QUrl url() const;
    int pageCount() const;
    HttpServer *server() const;

private:
    const SiteOptions m_options;
    std::unique_ptr<QThread> m_thread;
    Site *m_site = nullptr;
    QUrl m_url;

    Q_DISABLE_COPY(SiteThread)
};

} // namespace LocalSite

#endif // LOCALSITE_LOCALSITE_H
