"""Which entries a user may find: the rules of the pages, written as one SQL filter.

As on the pages (:mod:`elearning_courses.rules`, :mod:`elearning_courses.content`):

* drafts (of a course, a module or a lesson) only for the course's teacher and staff;
* a course, its modules and its lesson titles (the outline) for everyone who sees them;
* lesson text and material titles for those who may read the lesson: the teacher,
  staff and enrolled students (a blocked student is never enrolled);
* a blocked student finds nothing inside the course (the course itself stays findable,
  as it stays in the catalog).

Readers get the ``content`` entries of a lesson and the others its ``outline`` entry,
so a lesson is found once by each.
"""

from django.db.models import Q

from .. import rules
from ..models import CourseBlock, Enrollment, SearchEntry

Audience = SearchEntry.Audience
READER = [Audience.ALL, Audience.CONTENT]
OUTSIDER = [Audience.ALL, Audience.OUTLINE]


def visible_entries(user):
    """The entries ``user`` (possibly anonymous) may find, as a queryset."""
    entries = SearchEntry.objects.all()
    if not (user and user.is_authenticated):
        return entries.filter(is_published=True, audience__in=OUTSIDER)
    if user.is_staff:
        return entries.filter(audience__in=READER)
    own = Q(course__teacher=user, audience__in=READER)
    public = Q(is_published=True) & ~Q(course__teacher=user)
    blocked = CourseBlock.objects.filter(student=user).values("course_id")
    public &= ~Q(course_id__in=blocked) | Q(kind=SearchEntry.Kind.COURSE)
    if rules.is_student(user):
        enrolled = Q(course_id__in=Enrollment.objects.filter(student=user).values("course_id"))
        public &= (enrolled & Q(audience__in=READER)) | (~enrolled & Q(audience__in=OUTSIDER))
    else:
        public &= Q(audience__in=OUTSIDER)
    return entries.filter(own | public)
