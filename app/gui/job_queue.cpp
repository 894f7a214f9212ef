#include "job_queue.h"

namespace lamina {

JobQueue::JobQueue(QObject* parent) : QObject(parent) {}

JobQueue::~JobQueue() {
    mQueue.clear();
    if (mCurrent != nullptr) mCurrent->cancel();
    delete mCurrent;  // waits for its thread, which stops at its next progress report
}

void JobQueue::enqueue(const QString& title, Job::Work work, OnFailure onFailure) {
    mQueue.push_back({title, std::move(work), std::move(onFailure)});
    if (mCurrent == nullptr) startNext();
}

void JobQueue::startNext() {
    if (mCurrent != nullptr || mQueue.empty()) return;
    Queued next = std::move(mQueue.front());
    mQueue.pop_front();
    mCurrent = new Job(next.title, std::move(next.work), this);
    Job* job = mCurrent;
    const auto end = [this, job](const QString& outcome) {
        if (mCurrent == job) mCurrent = nullptr;
        job->deleteLater();
        Q_EMIT jobEnded(job->title(), outcome);
        startNext();
    };
    connect(job, &Job::finished, this, [end] { end(QStringLiteral("finished")); });
    connect(job, &Job::cancelled, this, [end] { end(QStringLiteral("cancelled")); });
    connect(job, &Job::failed, this, [end, onFailure = std::move(next.onFailure)](const QString& message) {
        if (onFailure) onFailure(message);
        end(message);
    });
    Q_EMIT jobStarted(job);
    job->start();
}

void JobQueue::cancelAll() {
    mQueue.clear();
    if (mCurrent != nullptr) mCurrent->cancel();
}

}  // namespace lamina
