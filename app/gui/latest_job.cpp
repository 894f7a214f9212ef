#include "latest_job.h"

namespace lamina {

LatestJob::~LatestJob() {
    mPending.reset();
    if (mJob != nullptr) mJob->cancel();
    delete mJob;  // waits for its thread, which stops at its next progress report
}

void LatestJob::request(const QString& title, Job::Work work) {
    if (mJob != nullptr) {
        mPending = Pending{title, std::move(work)};
        mJob->cancel();
        return;
    }
    start({title, std::move(work)});
}

void LatestJob::cancel() {
    mPending.reset();
    if (mJob != nullptr) mJob->cancel();
}

void LatestJob::start(Pending next) {
    Job* job = new Job(next.title, std::move(next.work), this);
    mJob = job;
    const auto end = [this, job] {
        if (mJob == job) mJob = nullptr;
        job->deleteLater();
        if (mPending) {
            Pending p = std::move(*mPending);
            mPending.reset();
            start(std::move(p));
        }
    };
    connect(job, &Job::finished, this, end);
    connect(job, &Job::cancelled, this, end);
    connect(job, &Job::failed, this, [this, job, end](const QString& message) {
        Q_EMIT failed(job->title(), message);
        end();
    });
    job->start();
}

}  // namespace lamina
