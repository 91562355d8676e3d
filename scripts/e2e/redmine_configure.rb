# Prepare Debian's Redmine for the e2e tests; idempotent, safe to run on every session.
#   cd /usr/share/redmine && REDMINE_INSTANCE=default RAILS_ENV=production \
#     bundle exec rails runner scripts/e2e/redmine_configure.rb
# Prints one JSON line (the last line of output) with the ids the tests need.
#
# Why each step:
# - the REST API is off in a fresh Redmine;
# - without login_required an unknown API key is served as the anonymous user
#   (HTTP 200), so "wrong key" could never be told apart from "no tickets";
# - every issue change queues a notification e-mail on a background thread
#   that writes to the same SQLite file, and a request meanwhile fails with
#   "database is locked" (HTTP 500): a test server has nobody to mail anyway;
# - the tests escalate tickets and bill after-hours work the way an MSP does,
#   so an "Escalated" status (with a workflow that reaches it), an
#   "After-hours support" activity and a "Billable" time-entry field must exist.
require 'json'

Setting.rest_api_enabled = '1'
Setting.login_required = '1'
Setting.notified_events = []

abort 'Redmine has no default data (trackers/priorities); was the package installed completely?' \
  if Tracker.count.zero? || IssuePriority.count.zero?

admin = User.find_by_login!('admin')
if admin.must_change_passwd
  admin.must_change_passwd = false
  admin.save!
end

escalated = IssueStatus.find_or_create_by!(name: 'Escalated') { |s| s.is_closed = false }
# A status change the workflow does not allow is silently ignored by the API,
# so let every role move every tracker into and out of Escalated.
others = IssueStatus.where.not(id: escalated.id).pluck(:id)
Role.givable.pluck(:id).each do |role_id|
  Tracker.pluck(:id).each do |tracker_id|
    others.each do |status_id|
      [[status_id, escalated.id], [escalated.id, status_id]].each do |from, to|
        WorkflowTransition.find_or_create_by!(role_id: role_id, tracker_id: tracker_id,
                                              old_status_id: from, new_status_id: to)
      end
    end
  end
end

after_hours = TimeEntryActivity.find_by(name: 'After-hours support', project_id: nil) ||
              TimeEntryActivity.create!(name: 'After-hours support', active: true)

billable = TimeEntryCustomField.find_by(name: 'Billable') ||
           TimeEntryCustomField.create!(name: 'Billable', field_format: 'bool', default_value: '1',
                                        is_required: false, edit_tag_style: 'check_box', visible: true)

puts JSON.generate(
  api_key: admin.api_key,
  escalated_status_id: escalated.id,
  urgent_priority_id: IssuePriority.find_by!(name: 'Urgent').id,
  priority_ids: IssuePriority.pluck(:name, :id).to_h,
  activity_id: after_hours.id,
  billable_cf_id: billable.id,
  tracker_ids: Tracker.sorted.pluck(:id)
)
