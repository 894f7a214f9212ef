#include "job.h"

#include <QThread>

#include "common/error.h"

namespace lamina {

Job::Job(QString title, Work work, QObject* parent)
    : QObject(parent), mTitle(std::move(title)), mWork(std::move(work)) {}

Job::~Job() {
    cancel();
    if (mThread != nullptr) mThread->wait();
}

bool Job::report(int64_t done, int64_t total) {
    if (mCancel.load()) return false;
    const qint64 now = mClock.elapsed();
    const bool last = done >= total;
    if (!last && now - mLastReportMs.load() < 50) return true;
    mLastReportMs = now;
    const double fraction = total > 0 ? std::clamp(static_cast<double>(done) / total, 0.0, 1.0) : 0.0;
    // ETA from the average rate so far; unknown until 2% and a second of work.
    const double eta = fraction > 0.02 && now > 1000 ? now / 1000.0 * (1 - fraction) / fraction : -1;
    Q_EMIT progress(fraction, eta);
    return true;
}

void Job::start() {
    if (mThread != nullptr) return;
    mClock.start();
    mThread = QThread::create([this] {
        try {
            Completion done = mWork([this](int64_t d, int64_t t) { return report(d, t); });
            QMetaObject::invokeMethod(this, [this, done] {
                if (done) done();
                Q_EMIT finished();
            }, Qt::QueuedConnection);
        } catch (const Cancelled&) {
            QMetaObject::invokeMethod(this, [this] { Q_EMIT cancelled(); }, Qt::QueuedConnection);
        } catch (const std::exception& e) {
            const QString message = QString::fromStdString(e.what());
            QMetaObject::invokeMethod(this, [this, message] { Q_EMIT failed(message); },
                                      Qt::QueuedConnection);
        }
    });
    mThread->setParent(this);
    mThread->start();
}

void Job::cancel() { mCancel = true; }

bool Job::isRunning() const { return mThread != nullptr && mThread->isRunning(); }

bool Job::wait(int ms) { return mThread == nullptr || mThread->wait(QDeadlineTimer(ms)); }

}  // namespace lamina
